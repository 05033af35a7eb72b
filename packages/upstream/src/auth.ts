import { OciError } from '@berth/oci';
import { parseChallenges } from './challenge.js';
import type { AuthChallenge } from './challenge.js';
import { UpstreamError, UpstreamUnavailableError, decodeErrorBody } from './errors.js';
import { discard, readBody } from './http.js';
import type { Transport, UpstreamResponse } from './http.js';
import { describeRealm, pinnedRealm } from './realm.js';
import { TokenCache, refreshAt } from './token-cache.js';
import type { CachedToken } from './token-cache.js';
import type { UpstreamOptions } from './types.js';

const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

interface BearerService {
  realm: URL;
  service: string | undefined;
}

/**
 * Authorization for one upstream, per the Docker token spec: anonymous until the upstream asks;
 * a Bearer challenge is answered with a token from its (pinned) realm, cached per scope; a Basic
 * challenge with the configured username and password; a configured token is sent as is.
 * Credentials go only into Authorization headers, never into messages.
 */
export class Authenticator {
  private bearer: BearerService | undefined;
  private basicChallenged = false;

  constructor(
    private readonly upstreamName: string,
    private readonly upstreamUrl: URL,
    private readonly options: Pick<UpstreamOptions, 'credentials' | 'tokenRealmHosts' | 'now'>,
    private readonly transport: Transport,
    private readonly tokens: TokenCache = new TokenCache(options.now),
  ) {}

  /** The Authorization to send before any challenge (undefined: anonymous). */
  async initial(scope: string): Promise<string | undefined> {
    const credentials = this.options.credentials;
    if (credentials !== undefined && 'token' in credentials) return `Bearer ${credentials.token}`;
    if (this.basicChallenged) return this.basic();
    // Once the upstream asked for tokens, fetch them up front instead of collecting a 401 each time.
    if (this.bearer !== undefined) return `Bearer ${await this.token(this.bearer, scope, [scope])}`;
    return undefined;
  }

  /**
   * The Authorization for a retry after `response` (a 401), or undefined when nothing better can
   * be sent (then the 401 stands). `sent` is what the refused request carried.
   */
  async answer(response: UpstreamResponse, scope: string, sent: string | undefined): Promise<string | undefined> {
    const credentials = this.options.credentials;
    if (credentials !== undefined && 'token' in credentials) return undefined;
    const challenges = parseChallenges(response.headers['www-authenticate']);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm !== undefined);
    if (bearer !== undefined) {
      const service = this.bearerService(bearer);
      this.bearer = service;
      const key = cacheKey(service, scope);
      // A token the upstream just refused is not asked for again from the cache.
      if (sent !== undefined && sent === `Bearer ${this.tokens.peek(key) ?? ''}`) this.tokens.invalidate(key);
      const scopes = (bearer.params.scope ?? scope).split(' ').filter((s) => s !== '');
      const token = await this.token(service, scope, scopes);
      const authorization = `Bearer ${token}`;
      return authorization === sent ? undefined : authorization;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      this.basicChallenged = true;
      const authorization = this.basic();
      return authorization === sent ? undefined : authorization;
    }
    return undefined;
  }

  private bearerService(challenge: AuthChallenge): BearerService {
    const realm = pinnedRealm(this.upstreamName, this.upstreamUrl, challenge.params.realm ?? '', this.options.tokenRealmHosts);
    return { realm, service: challenge.params.service };
  }

  private basic(): string | undefined {
    const credentials = this.options.credentials;
    if (credentials === undefined || !('username' in credentials)) return undefined;
    return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }

  /** The caller's abort signal is not passed on: one token fetch serves every waiting caller. */
  private async token(service: BearerService, scope: string, scopes: string[]): Promise<string> {
    return this.tokens.get(cacheKey(service, scope), () => this.fetchToken(service, scopes));
  }

  /** GET realm?service=..&scope=.. (basic auth when configured); `token` or `access_token` back. */
  private async fetchToken(service: BearerService, scopes: string[]): Promise<CachedToken> {
    const url = new URL(service.realm);
    if (service.service !== undefined) url.searchParams.set('service', service.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const credentials = this.options.credentials;
    if (credentials !== undefined && 'username' in credentials) url.searchParams.set('account', credentials.username);
    const basic = this.basic();
    const response = await this.transport.send({
      kind: 'token',
      method: 'GET',
      url,
      headers: { accept: 'application/json' },
      ...(basic !== undefined ? { authorization: basic } : {}),
    });
    const where = describeRealm(service.realm);
    if (response.status === 429 || response.status >= 500) {
      discard(response);
      throw new UpstreamUnavailableError(this.upstreamName, `status-${response.status}`, `token service ${where} answered ${response.status}`);
    }
    const body = await readBody(response, MAX_TOKEN_RESPONSE_BYTES, this.upstreamName);
    if (response.status !== 200) {
      const refusal = decodeErrorBody(response.status, body);
      const code = response.status === 403 ? 'DENIED' : 'UNAUTHORIZED';
      throw new UpstreamError(this.upstreamName, response.status, new OciError(code, `token service ${where} refused: ${refusal.message}`, {
        detail: refusal.detail,
      }));
    }
    const parsed = parseTokenAnswer(body);
    if (parsed === undefined) {
      throw new UpstreamError(this.upstreamName, 200, new OciError('UNAUTHORIZED', `token service ${where} answered without a token`));
    }
    return { token: parsed.token, expiresAt: refreshAt((this.options.now ?? Date.now)(), parsed.expiresIn) };
  }
}

function cacheKey(service: BearerService, scope: string): string {
  return `${describeRealm(service.realm)}\n${service.service ?? ''}\n${scope}`;
}

function parseTokenAnswer(body: Buffer | undefined): { token: string; expiresIn: number | undefined } | undefined {
  if (body === undefined) return undefined;
  try {
    const json = JSON.parse(body.toString()) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
    const token = typeof json.token === 'string' && json.token !== '' ? json.token : json.access_token;
    if (typeof token !== 'string' || token === '') return undefined;
    return { token, expiresIn: typeof json.expires_in === 'number' ? json.expires_in : undefined };
  } catch {
    return undefined;
  }
}

/** The scope a request needs: pulling from `repository`. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}
