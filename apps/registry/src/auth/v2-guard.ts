import type { Request, Response } from 'express';
import { claimAllows, TokenInvalidError, type Principal, type RepositoryAction, type TokenService, type TokenSubject } from '@berth/auth';
import { ANONYMOUS_ACCOUNT, type AccessService } from '@berth/core';
import { assertRepositoryName, isRepositoryName, OciError } from '@berth/oci';
import { setPublisherRight } from '../http/publisher-right.js';
import { setAccount } from '../http/identity.js';
import { unauthorized } from './challenge.js';
import { baseUrlOf, readCredentials } from './credentials.js';
import { passwordLogin } from './password-login.js';

/** What a /v2 route needs from the caller. */
export type V2Requirement =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'repository'; name: string; actions: RepositoryAction[]; mountFrom?: string };

export interface AuthRuntime {
  access: AccessService;
  tokens: TokenService;
  publicUrl?: string;
}

const MOUNT_REFUSED = 'berthMountRefused';

/** True when the caller may not read the mount source: the upload then starts without mounting. */
export function mountRefused(res: Response): boolean {
  return res.locals[MOUNT_REFUSED] === true;
}

/**
 * Token authentication for /v2 as the Docker token spec describes it: no credentials or a token
 * without the needed scope → 401 with a Bearer challenge naming the scope; a valid token is
 * enough on its own (its access claim is checked, no database lookup). Basic credentials are
 * also accepted (curl, scripts): their rights come from the access policy, and a caller who is
 * known but not allowed gets 403 DENIED.
 */
export class V2Guard {
  constructor(private readonly auth: AuthRuntime) {}

  async check(req: Request, res: Response, need: V2Requirement): Promise<void> {
    // An invalid name is NAME_INVALID for everyone: it says nothing about what exists.
    if (need.kind === 'repository') assertRepositoryName(need.name);
    const challenge = { realm: `${baseUrlOf(req, this.auth.publicUrl)}/token`, service: this.auth.tokens.service, ...scopeOf(need) };
    const credentials = readCredentials(req);
    if (credentials.kind === 'malformed') throw unauthorized(challenge, credentials.reason);
    if (credentials.kind === 'bearer') {
      let access, subject;
      try {
        ({ access, subject } = await this.auth.tokens.verifyAccessToken(credentials.token));
      } catch (error) {
        if (!(error instanceof TokenInvalidError)) throw error;
        throw unauthorized({ ...challenge, error: 'invalid_token', description: error.message }, `invalid token: ${error.message}`);
      }
      setAccount(res, subject.kind === 'anonymous' ? ANONYMOUS_ACCOUNT : subject.name);
      if (need.kind === 'repository') setPublisherRight(res, () => this.subjectMay(subject, need.name, 'push'));
      const allows = (type: 'repository' | 'registry', name: string, action: string) => claimAllows(access, type, name, action);
      if (need.kind === 'base') return;
      if (need.kind === 'catalog' ? allows('registry', 'catalog', '*') : need.actions.every((a) => allows('repository', need.name, a))) {
        if (need.kind === 'repository' && need.mountFrom !== undefined && !allows('repository', need.mountFrom, 'pull')) {
          // A token asked for the target alone (a client reusing the one it pushed with). When its
          // subject may read the source, a challenge naming both gets the client a token that
          // mounts; otherwise the mount quietly becomes an upload and says nothing about the source.
          if (await this.subjectMay(subject, need.mountFrom, 'pull')) {
            throw unauthorized({ ...challenge, error: 'insufficient_scope' }, 'mounting needs a token that also grants pull on the source repository', detailOf(need));
          }
          res.locals[MOUNT_REFUSED] = true;
        }
        return;
      }
      throw unauthorized({ ...challenge, error: 'insufficient_scope' }, 'the token does not grant the access this request needs', detailOf(need));
    }
    if (credentials.kind === 'none') {
      setAccount(res, ANONYMOUS_ACCOUNT);
      if (need.kind === 'repository') setPublisherRight(res, () => this.principalMay({ kind: 'anonymous' }, need.name, 'push'));
      // `docker login` probes /v2/ and needs the challenge to find the token service.
      if (need.kind === 'base' || need.kind === 'catalog') throw unauthorized(challenge);
      if (await this.allowed({ kind: 'anonymous' }, need, res)) return;
      throw unauthorized(challenge, 'authentication required', detailOf(need));
    }
    const principal = await passwordLogin(this.auth.access, req, credentials.username, credentials.password, (message) => unauthorized(challenge, message));
    setAccount(res, credentials.username);
    if (need.kind === 'repository') setPublisherRight(res, () => this.principalMay(principal, need.name, 'push'));
    if (need.kind === 'base') return;
    if (need.kind === 'catalog') {
      if (principal.kind === 'user' && principal.admin) return;
      throw new OciError('DENIED', 'listing the catalog needs a system administrator');
    }
    if (await this.allowed(principal, need, res)) return;
    throw new OciError('DENIED', `requested access to ${need.name} is denied`, { detail: detailOf(need) });
  }

  private async subjectMay(subject: TokenSubject, repository: string, action: 'pull' | 'push'): Promise<boolean> {
    if (!isRepositoryName(repository)) return false;
    const principal = await this.auth.access.principalForSubject(subject, { stamp: 'ignored' });
    return principal !== null && (await this.principalMay(principal, repository, action));
  }

  private async principalMay(principal: Principal, repository: string, action: 'pull' | 'push'): Promise<boolean> {
    return (await this.auth.access.repositoryActions(principal, repository)).includes(action);
  }

  private async allowed(principal: Principal, need: Extract<V2Requirement, { kind: 'repository' }>, res: Response): Promise<boolean> {
    const actions = await this.auth.access.repositoryActions(principal, need.name);
    if (!need.actions.every((a) => actions.includes(a))) return false;
    if (need.mountFrom !== undefined && !(await this.principalMay(principal, need.mountFrom, 'pull'))) res.locals[MOUNT_REFUSED] = true;
    return true;
  }
}

/**
 * The scope a 401 names. A mount also names pull on its source (space-separated scopes, as
 * distribution does): a client asks /token for exactly what the challenge names, so without it the
 * token never covers the source and the mount always falls back to an upload. A source that is no
 * valid name is left out (it could smuggle scopes of its own into the challenge).
 */
function scopeOf(need: V2Requirement): { scope?: string } {
  if (need.kind === 'catalog') return { scope: 'registry:catalog:*' };
  if (need.kind !== 'repository') return {};
  const scope = `repository:${need.name}:${need.actions.join(',')}`;
  if (need.mountFrom === undefined || need.mountFrom === need.name || !isRepositoryName(need.mountFrom)) return { scope };
  return { scope: `${scope} repository:${need.mountFrom}:pull` };
}

/** distribution's detail shape for access errors: what was asked for. */
function detailOf(need: V2Requirement): unknown {
  if (need.kind === 'catalog') return [{ Type: 'registry', Name: 'catalog', Action: '*' }];
  if (need.kind === 'repository') return need.actions.map((action) => ({ Type: 'repository', Name: need.name, Action: action }));
  return undefined;
}
