import { decodeJwt } from 'jose';
import { basicHeader, send, type Credentials, type HttpResult } from './registry-http.js';

// Requests to the token endpoint as the tests make them directly (not through the dance).

/** GET /token with these query parameters (repeatable, in order) and optional Basic credentials. */
export function getToken(base: string, params: Array<[string, string]>, credentials?: Credentials): Promise<HttpResult> {
  const url = new URL('/token', base);
  for (const [key, value] of params) url.searchParams.append(key, value);
  return send(base, 'GET', url.toString(), credentials !== undefined ? { headers: { Authorization: basicHeader(credentials) } } : {});
}

/** POST /token with an OAuth2 form. */
export function postToken(base: string, form: Record<string, string>): Promise<HttpResult> {
  return send(base, 'POST', '/token', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

/** The `access` claim of a token answer (decoded, not verified: the JWKS test verifies). */
export function accessOf(result: HttpResult): unknown {
  if (result.status !== 200) throw new Error(`token answer ${result.status}: ${result.text()}`);
  return decodeJwt(result.json<{ access_token: string }>().access_token).access;
}
