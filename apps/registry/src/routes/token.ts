import express, { type Request, type Response, type Router } from 'express';
import { parseScopes, ScopeError, TokenInvalidError, type Principal, type Scope, type TokenSubject } from '@berth/auth';
import { OciError } from '@berth/oci';
import type { AuthRuntime } from '../auth/v2-guard.js';
import { readCredentials } from '../auth/credentials.js';
import { passwordLogin } from '../auth/password-login.js';
import { queryValue, queryValues } from '../http/context.js';
import { setRoute } from '../http/request-scope.js';

/**
 * The token service of the Docker token spec: GET /token with Basic credentials (or none, for an
 * anonymous token) and the OAuth2 form POST (grant_type=password or refresh_token). Every token
 * carries only the actions the caller is granted; asking for more is not an error.
 */
export function tokenRouter(auth: AuthRuntime): Router {
  const router = express.Router();
  router.all(['/token', '/.well-known/jwks.json'], (_req, res, next) => {
    setRoute(res, 'token');
    next();
  });
  router.get('/token', async (req, res) => {
    const scopes = scopesOf(queryValues(req, 'scope'));
    checkService(auth, queryValue(req, 'service'));
    const principal = await loginFromHeader(auth, req);
    const offline = queryValue(req, 'offline_token') === 'true' && principal.kind !== 'anonymous';
    await respond(auth, res, principal, scopes, { refresh: offline, legacy: true });
  });
  router.post('/token', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const field = (key: string) => (typeof form[key] === 'string' ? form[key] : undefined);
    checkService(auth, field('service'));
    const scopes = scopesOf(field('scope') !== undefined ? [field('scope') as string] : []);
    const grant = field('grant_type');
    if (grant === 'password') {
      const username = field('username');
      const password = field('password');
      if (username === undefined || password === undefined) throw new OciError('UNSUPPORTED', 'grant_type=password needs username and password', { status: 400 });
      const principal = await login(auth, req, username, password);
      await respond(auth, res, principal, scopes, { refresh: true, legacy: false });
      return;
    }
    if (grant === 'refresh_token') {
      const principal = await fromRefreshToken(auth, field('refresh_token'));
      await respond(auth, res, principal, scopes, { refresh: false, legacy: false });
      return;
    }
    throw new OciError('UNSUPPORTED', `unsupported grant_type ${grant ?? '(none)'}; use password or refresh_token`, { status: 400 });
  });
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(auth.tokens.jwks());
  });
  return router;
}

function scopesOf(values: string[]): Scope[] {
  try {
    return parseScopes(values);
  } catch (error) {
    if (error instanceof ScopeError) throw new OciError('UNSUPPORTED', error.message, { status: 400, detail: { scope: error.scope } });
    throw error;
  }
}

function checkService(auth: AuthRuntime, service: string | undefined): void {
  if (service !== undefined && service !== auth.tokens.service) {
    throw new OciError('UNSUPPORTED', `unknown service "${service}"; this registry's service is "${auth.tokens.service}"`, { status: 400 });
  }
}

async function loginFromHeader(auth: AuthRuntime, req: Request): Promise<Principal> {
  const credentials = readCredentials(req);
  if (credentials.kind === 'none') return { kind: 'anonymous' };
  if (credentials.kind === 'basic') return login(auth, req, credentials.username, credentials.password);
  throw new OciError('UNAUTHORIZED', credentials.kind === 'malformed' ? credentials.reason : 'the token endpoint takes Basic credentials');
}

function login(auth: AuthRuntime, req: Request, username: string, password: string): Promise<Principal> {
  return passwordLogin(auth.access, req, username, password, (message) => new OciError('UNAUTHORIZED', message));
}

async function fromRefreshToken(auth: AuthRuntime, token: string | undefined): Promise<Principal> {
  if (token === undefined) throw new OciError('UNSUPPORTED', 'grant_type=refresh_token needs refresh_token', { status: 400 });
  let subject: TokenSubject;
  try {
    subject = await auth.tokens.verifyRefreshToken(token);
  } catch (error) {
    if (error instanceof TokenInvalidError) throw new OciError('UNAUTHORIZED', `invalid refresh token: ${error.message}`);
    throw error;
  }
  // A refresh token outlives the access it grants: the account must still be usable now.
  const principal = await auth.access.principalForSubject(subject);
  if (principal === null) throw new OciError('UNAUTHORIZED', 'the account of this refresh token is disabled, expired or gone, or its credentials changed since the token was issued');
  return principal;
}

/** An account's tokens carry its credential stamp, so a new password or a disabling revokes the refresh token. */
function subjectOf(principal: Principal): TokenSubject {
  if (principal.kind === 'anonymous') return { kind: 'anonymous', name: '' };
  return { kind: principal.kind, name: principal.name, credentialStamp: principal.credentialStamp };
}

async function respond(
  auth: AuthRuntime,
  res: Response,
  principal: Principal,
  scopes: Scope[],
  options: { refresh: boolean; legacy: boolean },
): Promise<void> {
  const subject = subjectOf(principal);
  const access = await auth.access.grant(principal, scopes);
  const issued = await auth.tokens.issueAccessToken(subject, access);
  const body: Record<string, unknown> = {
    access_token: issued.token,
    expires_in: issued.expiresIn,
    issued_at: issued.issuedAt.toISOString(),
  };
  // GET answers carry `token` too (the Docker spec's name); the OAuth2 POST echoes the granted scope.
  if (options.legacy) body.token = issued.token;
  else body.scope = access.filter((a) => a.actions.length > 0).map((a) => `${a.type}:${a.name}:${a.actions.join(',')}`).join(' ');
  if (options.refresh && principal.kind !== 'anonymous') body.refresh_token = await auth.tokens.issueRefreshToken(subject);
  res.setHeader('Cache-Control', 'no-store');
  res.json(body);
}
