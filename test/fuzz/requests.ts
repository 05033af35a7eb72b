import { adminBody, authorization, contentRange, digest, extraHeaders, manifestBody, pagination, reference, repositoryName, type Known } from './inputs.js';
import type { Prng } from './prng.js';

// One generated request against any of Berth's endpoints: /v2 (every route of the distribution
// API), /token, /api/v1 (every route of the admin table) and paths nobody serves.

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
}

const ADMIN_PATHS = [
  '/projects',
  '/projects/{project}',
  '/projects/{project}/members',
  '/projects/{project}/members/{user}',
  '/projects/{project}/robots',
  '/projects/{project}/robots/{robot}',
  '/projects/{project}/robots/{robot}/secret',
  '/projects/{project}/robots/{robot}/unlock',
  '/projects/{project}/cache/purge',
  '/projects/{project}/cache/stats',
  '/users',
  '/users/{user}',
  '/users/{user}/unlock',
  '/audit',
  '/jobs',
  '/me',
  '/openapi.json',
];

/** A path parameter of the admin API: one of `valid` names, or one no project or account can have. */
function adminName(rng: Prng, valid: readonly string[]): string {
  return rng.chance(0.6) ? rng.pick(valid) : rng.pick(['%00', 'a%00b', 'Admin', 'a', '..', '%2F', 'x'.repeat(300), 'robot$lib+ci', 'lib%20x', '%E0%A4%A', 'ü', '-', '_']);
}

function adminRequest(rng: Prng): Pick<FuzzRequest, 'method' | 'path' | 'body'> {
  const path = rng
    .pick(ADMIN_PATHS)
    .replace('{project}', () => adminName(rng, ['lib', 'nosuch', 'hub']))
    .replace('{user}', () => adminName(rng, ['admin', 'nobody', 'fuzzer']))
    .replace('{robot}', () => adminName(rng, ['ci', 'nobody']));
  const method = rng.pick(['GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
  const query = path === '/audit' && rng.chance(0.7) ? `?${rng.pick(['limit', 'before'])}=${rng.pick(['0', '1', '-1', '1e3', '1e30', 'abc', '%00', '99999999999999999999', '1.5', ''])}` : '';
  const withBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  return { method, path: `/api/v1${path}${query}`, ...(withBody ? { body: adminBody(rng) } : {}) };
}

function tokenRequest(rng: Prng, known: Known): Pick<FuzzRequest, 'method' | 'path' | 'body'> & { form?: boolean } {
  const scope = () =>
    rng.pick([
      `repository:${known.repository}:pull`,
      `repository:${repositoryName(rng, known)}:${rng.pick(['pull', 'push', 'pull,push', '*', 'delete', '', 'fly'])}`,
      'registry:catalog:*',
      rng.string('a:b,*%0', rng.int(0, 20)),
      `repository(plugin):x:pull`,
    ]);
  if (rng.chance(0.55)) {
    const params = [`scope=${encodeURIComponent(scope())}`];
    if (rng.chance(0.3)) params.push(`service=${rng.pick(['berth', 'other', '%00', ''])}`);
    if (rng.chance(0.2)) params.push(`offline_token=${rng.pick(['true', 'false', '%00'])}`);
    if (rng.chance(0.2)) params.push(`account=${rng.pick(['admin', '%00', ''])}`);
    return { method: 'GET', path: `/token?${params.join('&')}` };
  }
  const form = new URLSearchParams();
  form.set('grant_type', rng.pick(['password', 'refresh_token', 'client_credentials', '', '\u0000']));
  if (rng.chance(0.8)) form.set('scope', scope());
  if (rng.chance(0.5)) form.set('username', rng.pick(['admin', '\u0000', 'nobody', 'robot$lib+ci']));
  // A wrong administrator password would lock the test's own account: other accounts only.
  if (form.get('username') !== 'admin' && rng.chance(0.5)) form.set('password', rng.pick(['x', '\u0000', 'long-enough-password']));
  if (rng.chance(0.4)) form.set('refresh_token', known.refreshToken !== undefined && rng.chance(0.5) ? known.refreshToken : rng.string('abc.', rng.int(0, 40)));
  if (rng.chance(0.2)) form.set('service', rng.pick(['berth', 'x']));
  return { method: 'POST', path: '/token', body: rng.chance(0.9) ? form.toString() : rng.pick(['%', '&&&', 'a=%E0%A4%A', 'x'.repeat(20000)]), form: true };
}

function uploadSession(rng: Prng, known: Known): string {
  if (known.uploads.length > 0 && rng.chance(0.6)) return rng.pick(known.uploads);
  const id = rng.pick([rng.hex(32), '00000000-0000-0000-0000-000000000000', '%00', 'x'.repeat(500), '..', rng.string('abc-', 36)]);
  return `/v2/${repositoryName(rng, known)}/blobs/uploads/${id}`;
}

export function generateRequest(rng: Prng, known: Known): FuzzRequest {
  const name = () => repositoryName(rng, known);
  let request: Pick<FuzzRequest, 'method' | 'path' | 'body'>;
  const headers: Record<string, string> = extraHeaders(rng);
  const kind = rng.int(0, 99);
  if (kind < 3) request = { method: rng.pick(['GET', 'HEAD', 'POST']), path: rng.pick(['/v2/', '/v2', '/v2/?x=%00', '/v2//']) };
  else if (kind < 8) request = { method: rng.pick(['GET', 'HEAD', 'DELETE']), path: `/v2/_catalog${pagination(rng)}` };
  else if (kind < 16) request = { method: rng.pick(['GET', 'HEAD']), path: `/v2/${name()}/tags/list${pagination(rng)}` };
  else if (kind < 26) request = { method: rng.pick(['GET', 'HEAD']), path: `/v2/${name()}/manifests/${reference(rng, known)}` };
  else if (kind < 32) {
    headers['Content-Type'] = rng.pick(['application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json', 'application/json', 'text/plain', '', 'application/vnd.docker.distribution.manifest.v1+prettyjws']);
    request = { method: 'PUT', path: `/v2/${name()}/manifests/${reference(rng, known)}`, body: manifestBody(rng, known) };
  } else if (kind < 35) request = { method: 'DELETE', path: `/v2/${name()}/manifests/${reference(rng, known)}` };
  else if (kind < 45) request = { method: rng.pick(['GET', 'HEAD', 'GET', 'DELETE']), path: `/v2/${name()}/blobs/${digest(rng, known)}` };
  else if (kind < 51) {
    const query = rng.pick(['', `?digest=${encodeURIComponent(digest(rng, known))}`, `?mount=${encodeURIComponent(digest(rng, known))}&from=${encodeURIComponent(name())}`, `?mount=${encodeURIComponent(digest(rng, known))}`, '?digest=%00', '?from=lib/app']);
    headers['Content-Type'] = 'application/octet-stream';
    request = { method: 'POST', path: `/v2/${name()}/blobs/uploads/${query}`, ...(rng.chance(0.5) ? { body: rng.bytes(rng.int(0, 64)) } : {}) };
  } else if (kind < 60) {
    const method = rng.pick(['GET', 'PATCH', 'PUT', 'DELETE', 'PATCH']);
    const session = uploadSession(rng, known);
    const separator = session.includes('?') ? '&' : '?';
    const query = method === 'PUT' ? `${separator}digest=${encodeURIComponent(digest(rng, known))}` : '';
    if (method === 'PATCH' && rng.chance(0.6)) headers['Content-Range'] = contentRange(rng);
    headers['Content-Type'] = 'application/octet-stream';
    request = { method, path: `${session}${query}`, ...(method === 'PATCH' || method === 'PUT' ? { body: rng.bytes(rng.int(0, 64)) } : {}) };
  } else if (kind < 65) {
    const filter = rng.chance(0.4) ? `?artifactType=${rng.pick(['application/x', '%00', '', 'a'.repeat(500), 'application/vnd.example+json&artifactType=b'])}` : pagination(rng);
    request = { method: rng.pick(['GET', 'HEAD']), path: `/v2/${name()}/referrers/${digest(rng, known)}${filter}` };
  } else if (kind < 74) {
    const token = tokenRequest(rng, known);
    if (token.form === true) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    request = token;
  } else if (kind < 96) {
    request = adminRequest(rng);
    if (request.body !== undefined) headers['Content-Type'] = rng.chance(0.9) ? 'application/json' : rng.pick(['text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded']);
  } else {
    request = { method: rng.pick(['GET', 'POST', 'DELETE', 'OPTIONS', 'HEAD']), path: rng.pick(['/', '/x', '/api', '/api/v1', '/api/v2/x', '/v1/', '/.well-known/jwks.json', '/metrics/x', '/healthz/x', '/%00', '/v2/%', '/v2/%ZZ/tags/list']) };
  }
  const auth = authorization(rng, known);
  if (auth !== undefined) headers.Authorization = auth;
  return { ...request, headers };
}

/** A short description of a request for a failure message (body and credentials elided). */
export function describeRequest(index: number, request: FuzzRequest): string {
  const auth = request.headers.Authorization;
  const credentials = auth === undefined ? 'anonymous' : auth.split(' ')[0] ?? '?';
  const shown = request.path.length > 160 ? `${request.path.slice(0, 160)}…(${request.path.length})` : request.path;
  const body = request.body === undefined ? '' : ` body=${String(request.body).slice(0, 80)}`;
  return `#${index} ${request.method} ${shown} [${credentials}]${body}`;
}
