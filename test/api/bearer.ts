// With BERTH_API_TARGET=berth-auth the API tests run against Berth with token authentication on,
// as the administrator: every request carries a bearer token for the repository it names, fetched
// from Berth's token endpoint once per repository, the way registry clients do the token dance.

export const AUTH_ADMIN = { username: 'admin', password: 'api-tests-admin-1' };

const tokens = new Map<string, Promise<string | undefined>>();

// The router's patterns (names may contain slashes, so the name capture is greedy).
const REPOSITORY_PATHS = [
  /^\/v2\/(.+)\/manifests\/[^/]+$/,
  /^\/v2\/(.+)\/blobs\/uploads\/?$/,
  /^\/v2\/(.+)\/blobs\/uploads\/[^/]+$/,
  /^\/v2\/(.+)\/blobs\/[^/]+$/,
  /^\/v2\/(.+)\/tags\/list$/,
  /^\/v2\/(.+)\/referrers\/[^/]+$/,
];

/** The scopes a /v2 URL needs: every action on its repository (and pull on a mount source), or the catalog. */
export function scopesForUrl(url: URL): string[] {
  if (/^\/v2\/_catalog\/?$/.test(url.pathname)) return ['registry:catalog:*'];
  const name = REPOSITORY_PATHS.map((pattern) => pattern.exec(url.pathname)?.[1]).find((match) => match !== undefined);
  if (name === undefined) return [];
  const scopes = [`repository:${name}:pull,push,delete`];
  const from = url.searchParams.get('from');
  if (url.searchParams.has('mount') && from !== null) scopes.push(`repository:${from}:pull`);
  return scopes;
}

/**
 * A bearer token from `base`'s /token for the scopes (cached per base and scopes); undefined when the
 * registry has no token endpoint (a suite that started its own Berth without authentication).
 */
export function bearerFor(base: string, scopes: string[]): Promise<string | undefined> {
  const key = `${base} ${scopes.join(' ')}`;
  let token = tokens.get(key);
  if (token === undefined) {
    token = fetchToken(base, scopes);
    tokens.set(key, token);
    token.catch(() => tokens.delete(key));
  }
  return token;
}

async function fetchToken(base: string, scopes: string[]): Promise<string | undefined> {
  const url = new URL('/token', base);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  const basic = Buffer.from(`${AUTH_ADMIN.username}:${AUTH_ADMIN.password}`).toString('base64');
  const response = await fetch(url, { headers: { Authorization: `Basic ${basic}` } });
  if (response.status === 404) return undefined;
  // A scope naming an invalid repository is refused by the token endpoint; the request itself then
  // goes with a token for no repository and gets the registry's own NAME_INVALID.
  if (response.status === 400 && scopes.length > 0) return fetchToken(base, []);
  if (response.status !== 200) throw new Error(`token for ${scopes.join(' ') || '/v2/'}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { token?: string };
  if (typeof body.token !== 'string') throw new Error('token endpoint answered without a token');
  return body.token;
}
