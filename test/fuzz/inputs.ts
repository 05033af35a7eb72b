import type { Prng } from './prng.js';

// What the fuzz test sends: each generator mixes valid values (so requests get past the first
// check into the code behind it) with the malformed ones clients and attackers send.

/** Valid content the test pushed first, so generated requests can name things that exist. */
export interface Known {
  repository: string;
  tag: string;
  manifestDigest: string;
  blobDigest: string;
  /** Upload session paths (`/v2/<name>/blobs/uploads/<id>`) seen in answers. */
  uploads: string[];
  /** Authorization headers of real callers (admin Basic, a bearer token); empty with auth off. */
  authorizations: string[];
  /** A refresh token (auth on). */
  refreshToken?: string;
}

const NAME_CHARS = 'abcz09._-/';
const ODD = ['%00', '%2F', '%2f', '%25', '%', '%ZZ', '%E0%A4%A', '%C0%AF', '%FF', '..', '.', '%20', '+', '$', '~', 'ü', '%F0%9F%90%B3', '\\', ';', ',', '@', ':', '*', '[', '{'];

/** A path segment or text with one malformed piece somewhere in it. */
function odd(rng: Prng, base: string): string {
  const at = rng.int(0, base.length);
  return base.slice(0, at) + rng.pick(ODD) + base.slice(at);
}

/** A repository name: existing, new, or malformed (percent-encoded where it goes into a path). */
export function repositoryName(rng: Prng, known: Known): string {
  switch (rng.int(0, 9)) {
    case 0:
    case 1:
    case 2:
      return known.repository;
    case 3:
      return `lib/${rng.string('abcdefgh', rng.int(1, 8))}`;
    case 4:
      return `${rng.string('abcdefgh', rng.int(1, 6))}/${rng.string(NAME_CHARS, rng.int(0, 12))}`;
    case 5:
      return odd(rng, known.repository);
    case 6:
      return rng.string(NAME_CHARS, rng.int(0, 3)) + rng.string('ABCabc', rng.int(0, 2));
    case 7:
      return `lib/${'a'.repeat(rng.pick([200, 255, 256, 1000, 5000]))}`;
    case 8:
      return rng.pick(['_catalog', 'v2', 'lib/_catalog', 'lib//app', '/lib/app', 'lib/app/', 'lib/tags/list', 'lib/manifests/x', 'lib/blobs/uploads']);
    default:
      return odd(rng, rng.string(NAME_CHARS, rng.int(1, 10)));
  }
}

export function digest(rng: Prng, known: Known): string {
  switch (rng.int(0, 11)) {
    case 0:
    case 1:
      return known.blobDigest;
    case 2:
      return known.manifestDigest;
    case 3:
      return `sha256:${rng.hex(64)}`;
    case 4:
      return `sha512:${rng.hex(128)}`;
    case 5:
      return `sha256:${rng.hex(rng.int(0, 70))}`;
    case 6:
      return rng.pick(['SHA256:', 'md5:', 'sha384:', 'sha256+b64:', 'sha256', ':', '']) + rng.hex(rng.int(0, 96));
    case 7:
      return `sha256:${rng.string('0123456789abcdefABCDEFgz', 64)}`;
    case 8:
      return odd(rng, known.blobDigest);
    case 9:
      return `${rng.string('abc+._-', rng.int(1, 12))}:${rng.string('abcdef0123456789=_-', rng.int(0, 200))}`;
    case 10:
      return `sha256:${rng.hex(64)}${'0'.repeat(rng.int(1, 5000))}`;
    default:
      return `sha512:${rng.hex(rng.int(100, 140))}`;
  }
}

export function reference(rng: Prng, known: Known): string {
  if (rng.chance(0.4)) return digest(rng, known);
  switch (rng.int(0, 5)) {
    case 0:
      return known.tag;
    case 1:
      return rng.string('abcXYZ019._-', rng.int(1, 20));
    case 2:
      return `${rng.pick(['-', '.', ''])}${rng.string('abc', rng.int(0, 3))}`;
    case 3:
      return 'v'.repeat(rng.pick([127, 128, 129, 1000]));
    case 4:
      return odd(rng, known.tag);
    default:
      return `sha256-${rng.hex(64)}`;
  }
}

/** A Range header value. */
export function range(rng: Prng): string {
  const big = () => rng.pick(['0', '1', '5', '99', '1000000', '9007199254740993', '18446744073709551616', '-1', '']);
  switch (rng.int(0, 5)) {
    case 0:
      return `bytes=${big()}-${big()}`;
    case 1:
      return `bytes=-${big()}`;
    case 2:
      return `bytes=${big()}-${big()},${big()}-${big()}`;
    case 3:
      return rng.pick(['items=0-1', 'bytes=', 'bytes', '0-1', 'bytes=a-b', 'bytes=1-0', 'bytes = 0-1', 'bytes=0-0\u0000']);
    case 4:
      return `bytes=${rng.int(0, 20)}-`;
    default:
      return `bytes=${rng.int(0, 20)}-${rng.int(0, 30)}`;
  }
}

/** A Content-Range header value of a chunked upload PATCH. */
export function contentRange(rng: Prng): string {
  return rng.pick([`${rng.int(0, 10)}-${rng.int(0, 20)}`, '0-0', '-1', 'a-b', '5-', `bytes ${rng.int(0, 10)}-${rng.int(0, 20)}/*`, '0-18446744073709551616', '']);
}

/** A query string of `n`, `last` and friends; empty or starting with `?`. */
export function pagination(rng: Prng): string {
  const params: string[] = [];
  if (rng.chance(0.6)) params.push(`n=${rng.pick(['', '0', '1', '2', '-1', '1e3', '1.5', '99999999999999999999', 'abc', '%00', '0x10', ' 1', '10000', '10001'])}`);
  if (rng.chance(0.6)) params.push(`last=${rng.pick(['', 'a', 'v1', '%00', 'a%00b', '%01', '%7F', '%FF', 'lib/app', 'zzzz', '%E0%A4%A', 'ü', 'x'.repeat(3000)])}`);
  if (rng.chance(0.2)) params.push(rng.pick(['n=1&n=2', 'last=a&last=b', 'n[x]=1', 'last[]=a', 'artifactType=%00', 'artifactType=application/x', 'ns=docker.io', 'ns=%00', 'ns=' + 'h'.repeat(300)]));
  return params.length === 0 ? '' : `?${params.join('&')}`;
}

/**
 * An Authorization header, or none. A wrong password costs the server one scrypt (~0.1 s of a
 * core), so the ones that reach the hash are a few percent of requests; and the administrator's
 * own password is never sent wrong (that would lock the test's account).
 */
export function authorization(rng: Prng, known: Known): string | undefined {
  const basic = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;
  if (known.authorizations.length > 0 && rng.chance(0.6)) return rng.pick(known.authorizations);
  switch (rng.int(0, 19)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return undefined;
    case 4:
      return 'Basic ADoA';
    case 5:
      // Hashed: a name some account could have, with a wrong password.
      return basic(`${rng.pick(['nobody', 'robot$lib+ci', 'alice'])}:${rng.hex(8)}`);
    case 6:
      // Not hashed: no account can have these names.
      return basic(`${rng.pick(['\u0000', 'Admin', 'robot$%00+x', 'a', 'robot$lib+', ' admin'])}:${rng.hex(4)}`);
    case 7:
      return `Basic ${rng.string('ABCabc012+/=!*', rng.int(0, 40))}`;
    case 8:
      return `Basic ${Buffer.concat([Buffer.from(rng.pick(['\u0000', 'A', '\u00ff', ''])), rng.bytes(rng.int(0, 30))]).toString('base64')}`;
    case 9:
    case 10:
      return `Bearer ${rng.string('abcXYZ012-_.', rng.int(0, 60))}`;
    case 11:
      return `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"admin","access":[]}').toString('base64url')}.`;
    case 12:
      return known.refreshToken !== undefined ? `Bearer ${known.refreshToken}` : 'Bearer';
    case 13:
    case 14:
      return rng.pick(['Basic', 'Bearer ', 'Digest username="a"', 'Negotiate x', ' ', 'Basic ' + 'A'.repeat(6000), 'Bearer ' + 'a.'.repeat(3000)]);
    case 15:
    case 16: {
      // A real bearer token, cut or with bytes added.
      const bearer = known.authorizations.find((header) => header.startsWith('Bearer '));
      if (bearer === undefined) return 'Bearer x.y.z';
      return rng.chance(0.5) ? `${bearer}${rng.string('x.=', rng.int(1, 3))}` : bearer.slice(0, rng.int(7, bearer.length - 1));
    }
    default:
      return basic(`${rng.pick(['', ':', '::', 'x:', ':x', 'a:b:c'])}`);
  }
}

/** Extra headers: Accept, Content-Type, Range and oddities. */
export function extraHeaders(rng: Prng): Record<string, string> {
  const headers: Record<string, string> = {};
  if (rng.chance(0.3)) headers.Accept = rng.pick(['*/*', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json;q=0.5, */*;q=0.1', 'text/html', '', 'a/b;q=x', ',,,', 'application/vnd.docker.distribution.manifest.v2+json']);
  if (rng.chance(0.2)) headers.Range = range(rng);
  if (rng.chance(0.1)) headers['X-Forwarded-For'] = rng.pick(['1.2.3.4', 'garbage', '']);
  if (rng.chance(0.05)) headers['If-None-Match'] = rng.pick(['*', '"x"', 'W/"y"', '']);
  return headers;
}

/** A random JSON value of modest size. */
export function jsonValue(rng: Prng, depth = 0): unknown {
  switch (rng.int(0, depth > 2 ? 5 : 7)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 86400, 3600]);
    case 3:
      return rng.pick(['', 'x', '\u0000', 'a\u0000b', 'ü', 'https://r.example', 'http://127.0.0.1:1', 'docker.io', '0000-01-01T00:00:00Z', '2030-01-01T00:00:00Z', 'x'.repeat(2000), 'pull', 'hosted', 'proxy']);
    case 4:
      return rng.string('abcdefgh-._/ :', rng.int(0, 20));
    case 5:
      return rng.pick(['pull', 'push', 'delete', 'guest', 'admin', 'referrers', 'none', 'all']);
    case 6:
      return Array.from({ length: rng.int(0, 3) }, () => jsonValue(rng, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = rng.int(0, 3); i > 0; i -= 1) object[rng.pick(['name', 'kind', 'url', 'x', '\u0000', 'public', 'upstream', 'permissions'])] = jsonValue(rng, depth + 1);
      return object;
    }
  }
}

/** A valid body of some admin route, with some of its fields replaced, removed or added. */
export function adminBody(rng: Prng): string {
  const templates: Array<Record<string, unknown>> = [
    { kind: 'hosted', name: `p${rng.hex(4)}`, public: false },
    { kind: 'proxy', name: `x${rng.hex(4)}`, upstream: { url: 'http://127.0.0.1:9', username: 'u', password: 'p' }, ns: ['docker.io'], tagTtlSeconds: 60 },
    { kind: 'proxy', name: `y${rng.hex(4)}`, upstream: { url: 'http://127.0.0.1:9', token: 't' }, nameMapping: { prefix: 'library', separator: '/' } },
    { public: true },
    { name: `r${rng.hex(4)}`, description: 'ci', permissions: ['pull', 'push'], expiresAt: '2030-01-01T00:00:00Z' },
    { disabled: true, permissions: ['pull'], expiresAt: null },
    { name: `u${rng.hex(4)}`, password: 'long-enough-password', admin: false },
    { password: 'another-long-password', disabled: false },
    { role: rng.pick(['guest', 'developer', 'maintainer', 'admin']) },
    { repository: 'lib/app' },
  ];
  const body: Record<string, unknown> = structuredClone(rng.pick(templates));
  for (let i = rng.int(0, 3); i > 0; i -= 1) {
    const keys = Object.keys(body);
    const action = rng.int(0, 3);
    if (action === 0 && keys.length > 0) body[rng.pick(keys)] = jsonValue(rng);
    else if (action === 1 && keys.length > 0) delete body[rng.pick(keys)];
    else if (action === 2) body[rng.pick(['extra', 'kind', '__proto__', 'constructor', 'ns', 'upstream'])] = jsonValue(rng);
    else if (keys.length > 0) {
      const nested = body[rng.pick(keys)];
      if (typeof nested === 'object' && nested !== null && !Array.isArray(nested)) (nested as Record<string, unknown>)[rng.pick(['url', 'username', 'password', 'token', 'caPem', 'x'])] = jsonValue(rng);
    }
  }
  switch (rng.int(0, 19)) {
    case 0:
      return rng.pick(['', '{', 'null', '[]', '"x"', '1', '{"a":', '{"name":"\\ud800"}', '\u0000']);
    case 1:
      return JSON.stringify(jsonValue(rng));
    default:
      return JSON.stringify(body);
  }
}

/** A manifest-like JSON body: a valid one referencing what exists, mutated, or garbage. */
export function manifestBody(rng: Prng, known: Known): string {
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: known.blobDigest, size: 9 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: known.blobDigest, size: 9 }],
  };
  if (rng.chance(0.3)) manifest.subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest(rng, known), size: rng.pick([0, -1, 1e300, 2]) };
  if (rng.chance(0.5)) {
    const key = rng.pick(['schemaVersion', 'mediaType', 'config', 'layers', 'manifests', 'artifactType', 'annotations']);
    manifest[key] = rng.chance(0.5) ? jsonValue(rng) : [{ digest: digest(rng, known), size: rng.pick([1, -5, 1.5, 2 ** 60]), mediaType: jsonValue(rng) }];
  }
  if (rng.chance(0.1)) return rng.pick(['', '{', 'not json', '[]', '{"schemaVersion":1}', '\u0000']);
  return JSON.stringify(manifest);
}
