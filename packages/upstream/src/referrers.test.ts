import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UpstreamError, UpstreamUnavailableError } from './errors.js';
import { memoryLogger, sendJson, sendOciError } from './testing/http-server.js';
import { perTest } from './testing/per-test.js';
import type { Handler, TestServer } from './testing/http-server.js';

// listReferrers against loopback servers: the referrers API and its pages, the bounds, and the
// fallback to the referrers tag schema and cosign's legacy tags.

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const SUBJECT = sha256('subject');
const SUBJECT_HEX = SUBJECT.slice('sha256:'.length);
const API_PATH = `/v2/team/app/referrers/${SUBJECT}`;
const TAG_SCHEMA_PATH = `/v2/team/app/manifests/sha256-${SUBJECT_HEX}`;

/** A referrer descriptor as the API lists it. */
const referrer = (name: string, artifactType = 'application/vnd.example.sbom.v1') => ({ mediaType: MANIFEST, digest: sha256(name), size: name.length, artifactType });
const indexOf = (manifests: unknown[]) => ({ schemaVersion: 2, mediaType: INDEX, manifests });

const { server, client } = perTest();

function sendIndex(response: ServerResponse, manifests: unknown[], headers: Record<string, string> = {}): void {
  sendJson(response, 200, indexOf(manifests), { 'content-type': INDEX, ...headers });
}

const notFound = (response: ServerResponse) => sendOciError(response, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');

/** A registry without the referrers API: `tags` maps a manifest tag to its [media type, body]. */
function apiLessRegistry(tags: Record<string, [string, unknown]>): Handler {
  return (request: IncomingMessage, response: ServerResponse) => {
    const match = /^\/v2\/team\/app\/manifests\/(.+)$/.exec(request.url ?? '');
    const entry = match?.[1] === undefined ? undefined : tags[match[1]];
    if (entry === undefined) return notFound(response);
    const bytes = Buffer.from(JSON.stringify(entry[1]));
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    response.writeHead(200, { 'content-type': entry[0], 'content-length': bytes.length, 'docker-content-digest': digest });
    response.end(request.method === 'HEAD' ? undefined : bytes);
  };
}

describe('the referrers API', () => {
  it('lists one page, asking for an index without any artifactType filter', async () => {
    const listed = [referrer('sig'), referrer('sbom')];
    const registry = await server((_request, response) => sendIndex(response, listed));
    expect(await client(registry).listReferrers('team/app', SUBJECT)).toEqual({ descriptors: listed, source: 'api', truncated: false });
    expect(registry.requests.map((r) => [r.method, r.url])).toEqual([['GET', API_PATH]]);
    expect(registry.requests[0]?.headers.accept).toBe(INDEX);
  });

  it('concatenates relative and absolute Link pages, each digest once (the first wins)', async () => {
    const pages = [[referrer('a'), referrer('b')], [{ ...referrer('b'), artifactType: 'application/other' }, referrer('c')], [referrer('d')]];
    const registry = await server((request, response) => {
      const page = Number(new URL(request.url ?? '/', registry.url).searchParams.get('page') ?? '0');
      const next = `${API_PATH}?page=${page + 1}`;
      const link = page === 0 ? `<${next}>; rel="next"` : page === 1 ? `<${registry.url}${next}>; rel="next"` : undefined;
      sendIndex(response, pages[page] ?? [], link === undefined ? {} : { link });
    });
    const listed = await client(registry).listReferrers('team/app', SUBJECT);
    expect(listed).toEqual({ descriptors: [referrer('a'), referrer('b'), referrer('c'), referrer('d')], source: 'api', truncated: false });
    expect(registry.requests.map((r) => r.url)).toEqual([API_PATH, `${API_PATH}?page=1`, `${API_PATH}?page=2`]);
  });

  it('accepts an odd Content-Type when the body is an index, and stops on a Link loop', async () => {
    const registry = await server((_request, response) => sendJson(response, 200, { manifests: [referrer('a')] }, { link: `<${API_PATH}>; rel="next"` }));
    expect(await client(registry).listReferrers('team/app', SUBJECT)).toEqual({ descriptors: [referrer('a')], source: 'api', truncated: false });
    expect(registry.requests).toHaveLength(1);
  });

  it('skips invalid entries and says so in the log', async () => {
    const invalid = [{ mediaType: MANIFEST, digest: 'sha256:nope', size: 1 }, { digest: sha256('x'), size: 1 }, { ...referrer('y'), size: -1 }, 'text', null];
    const registry = await server((_request, response) => sendIndex(response, [referrer('a'), ...invalid, referrer('b')]));
    const logger = memoryLogger();
    const listed = await client(registry, { logger }).listReferrers('team/app', SUBJECT);
    expect(listed.descriptors).toEqual([referrer('a'), referrer('b')]);
    expect(logger.lines).toEqual([{ level: 'warn', message: 'invalid upstream referrers skipped', fields: expect.objectContaining({ skipped: invalid.length }) }]);
  });
});

describe('bounds', () => {
  /** An endless chain of pages, two new referrers each. */
  async function endless(): Promise<TestServer> {
    return server((request, response) => {
      const page = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('page') ?? '0');
      sendIndex(response, [referrer(`p${page}a`), referrer(`p${page}b`)], { link: `<${API_PATH}?page=${page + 1}>; rel="next"` });
    });
  }

  it('stops after maxPages', async () => {
    const registry = await endless();
    const listed = await client(registry, { referrers: { maxPages: 3 } }).listReferrers('team/app', SUBJECT);
    expect(listed).toMatchObject({ source: 'api', truncated: true });
    expect(listed.descriptors).toHaveLength(6);
    expect(registry.requests).toHaveLength(3);
  });

  it('stops at maxDescriptors', async () => {
    const registry = await endless();
    const listed = await client(registry, { referrers: { maxDescriptors: 5 } }).listReferrers('team/app', SUBJECT);
    expect(listed.truncated).toBe(true);
    expect(listed.descriptors.map((d) => d.digest)).toEqual(['p0a', 'p0b', 'p1a', 'p1b', 'p2a'].map(sha256));
    expect(registry.requests).toHaveLength(3);
  });

  it('stops when the response bytes run out', async () => {
    const registry = await endless();
    const pageBytes = Buffer.byteLength(JSON.stringify(indexOf([referrer('p0a'), referrer('p0b')])));
    const listed = await client(registry, { referrers: { maxBytes: pageBytes * 2 + 10 } }).listReferrers('team/app', SUBJECT);
    expect(listed).toMatchObject({ source: 'api', truncated: true });
    expect(listed.descriptors).toHaveLength(4);
    expect(registry.requests).toHaveLength(3);
  });
});

describe('without the referrers API', () => {
  it('reads the tag schema index after a 404', async () => {
    const listed = [referrer('sig'), referrer('sbom')];
    const registry = await server(apiLessRegistry({ [`sha256-${SUBJECT_HEX}`]: [INDEX, indexOf(listed)] }));
    expect(await client(registry).listReferrers('team/app', SUBJECT)).toEqual({ descriptors: listed, source: 'tag-schema', truncated: false });
    const tagSchema = registry.requests.find((r) => r.method === 'GET' && r.url === TAG_SCHEMA_PATH);
    expect(tagSchema?.headers.accept).toBe(INDEX);
  });

  it('is empty when neither the API, the tag schema nor the cosign tags exist', async () => {
    const registry = await server(apiLessRegistry({}));
    expect(await client(registry).listReferrers('team/app', SUBJECT)).toEqual({ descriptors: [], source: 'tag-schema', truncated: false });
    expect(registry.requests.map((r) => `${r.method} ${r.url}`).sort()).toEqual(
      [`GET ${API_PATH}`, `GET ${TAG_SCHEMA_PATH}`, ...['sig', 'att', 'sbom'].map((suffix) => `HEAD ${TAG_SCHEMA_PATH}.${suffix}`)].sort(),
    );
  });

  it("appends cosign's legacy tags with their artifactTypes, after the tag schema's entries", async () => {
    const signature = { schemaVersion: 2, mediaType: MANIFEST, config: referrer('config'), layers: [] };
    const attestation = { ...signature, layers: [referrer('attestation')] };
    const signatureDigest = sha256(JSON.stringify(signature));
    const registry = await server(
      apiLessRegistry({
        // The tag schema already lists the signature: it stays as listed there.
        [`sha256-${SUBJECT_HEX}`]: [INDEX, indexOf([referrer('sbom'), { mediaType: MANIFEST, digest: signatureDigest, size: 1 }])],
        [`sha256-${SUBJECT_HEX}.sig`]: [MANIFEST, signature],
        [`sha256-${SUBJECT_HEX}.att`]: ['application/vnd.docker.distribution.manifest.v2+json', attestation],
      }),
    );
    const listed = await client(registry).listReferrers('team/app', SUBJECT);
    const attestationBytes = Buffer.from(JSON.stringify(attestation));
    expect(listed).toEqual({
      source: 'tag-schema',
      truncated: false,
      descriptors: [
        referrer('sbom'),
        { mediaType: MANIFEST, digest: signatureDigest, size: 1 },
        {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          digest: sha256(attestationBytes.toString()),
          size: attestationBytes.length,
          artifactType: 'application/vnd.dev.cosign.artifact.att.v1+json',
          annotations: { 'dev.berth.cosign-tag': `sha256-${SUBJECT_HEX}.att` },
        },
      ],
    });
  });

  it('turns a lone cosign signature into a descriptor', async () => {
    const signature = { schemaVersion: 2, mediaType: MANIFEST, config: referrer('config'), layers: [] };
    const bytes = Buffer.from(JSON.stringify(signature));
    const registry = await server(apiLessRegistry({ [`sha256-${SUBJECT_HEX}.sig`]: [MANIFEST, signature] }));
    expect((await client(registry).listReferrers('team/app', SUBJECT)).descriptors).toEqual([
      {
        mediaType: MANIFEST,
        digest: sha256(bytes.toString()),
        size: bytes.length,
        artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        annotations: { 'dev.berth.cosign-tag': `sha256-${SUBJECT_HEX}.sig` },
      },
    ]);
    const head = registry.requests.find((r) => r.method === 'HEAD' && r.url.endsWith('.sig'));
    expect(head?.headers.accept?.split(', ')).toEqual(expect.arrayContaining([MANIFEST, INDEX, 'application/vnd.docker.distribution.manifest.v2+json']));
  });

  it('ignores a tag schema tag that is not an index', async () => {
    const registry = await server(apiLessRegistry({ [`sha256-${SUBJECT_HEX}`]: [MANIFEST, { schemaVersion: 2, mediaType: MANIFEST, config: referrer('c'), layers: [] }] }));
    expect(await client(registry).listReferrers('team/app', SUBJECT)).toEqual({ descriptors: [], source: 'tag-schema', truncated: false });
  });

  it('falls back when the API path answers 200 with something that is not an index', async () => {
    const listed = [referrer('a')];
    const tags = apiLessRegistry({ [`sha256-${SUBJECT_HEX}`]: [INDEX, indexOf(listed)] });
    for (const answer of [(r: ServerResponse) => void r.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'), (r: ServerResponse) => sendJson(r, 200, { repositories: [] })]) {
      const registry = await server((request, response) => (request.url === API_PATH ? answer(response) : tags(request, response)));
      expect(await client(registry).listReferrers('team/app', SUBJECT)).toEqual({ descriptors: listed, source: 'tag-schema', truncated: false });
    }
  });

  it('asks for the tag schema only (sha512-<first 64>) for a sha512 subject', async () => {
    const subject = `sha512:${'ab'.repeat(64)}`;
    const registry = await server(apiLessRegistry({ [`sha512-${'ab'.repeat(32)}`]: [INDEX, indexOf([referrer('a')])] }));
    expect(await client(registry).listReferrers('team/app', subject)).toEqual({ descriptors: [referrer('a')], source: 'tag-schema', truncated: false });
    expect(registry.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`GET /v2/team/app/referrers/${subject}`, `GET /v2/team/app/manifests/sha512-${'ab'.repeat(32)}`]);
  });

  it('remembers that the upstream has no API, for apiMemoryMs', async () => {
    const registry = await server(apiLessRegistry({}));
    const remembering = client(registry);
    await remembering.listReferrers('team/app', SUBJECT);
    await remembering.listReferrers('team/app', SUBJECT);
    expect(registry.count('GET', /\/referrers\//)).toBe(1);
    expect(registry.count('GET', /\/manifests\/sha256-/)).toBe(2);

    const forgetting = client(registry, { referrers: { apiMemoryMs: 0 } });
    await forgetting.listReferrers('team/app', SUBJECT);
    await forgetting.listReferrers('team/app', SUBJECT);
    expect(registry.count('GET', /\/referrers\//)).toBe(3);
  });

  it('still falls back, and remembers, when an upstream that answered before 404s', async () => {
    let hasApi = true;
    const tags = apiLessRegistry({});
    const registry = await server((request, response) => (hasApi && request.url === API_PATH ? sendIndex(response, [referrer('a')]) : tags(request, response)));
    const upstream = client(registry);
    expect((await upstream.listReferrers('team/app', SUBJECT)).source).toBe('api');
    hasApi = false;
    expect((await upstream.listReferrers('team/app', SUBJECT)).source).toBe('tag-schema');
    hasApi = true;
    expect((await upstream.listReferrers('team/app', SUBJECT)).source).toBe('tag-schema');
    expect(registry.count('GET', /\/referrers\//)).toBe(2);
  });
});

describe('errors', () => {
  it('throws UpstreamUnavailableError for a 5xx, from the API or the tag schema', async () => {
    const registry = await server((request, response) => {
      if (request.url?.startsWith('/v2/team/app/')) return void response.writeHead(503).end();
      if (request.url?.includes('/referrers/')) return notFound(response);
      response.writeHead(502).end();
    });
    const upstream = client(registry);
    await expect(upstream.listReferrers('team/app', SUBJECT)).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(upstream.listReferrers('team/other', SUBJECT)).rejects.toMatchObject({ reason: 'status-502' });
  });

  it('throws UpstreamError for a refusal', async () => {
    const registry = await server((_request, response) => sendOciError(response, 403, 'DENIED', 'requested access to the resource is denied'));
    const refused = await client(registry).listReferrers('team/app', SUBJECT).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UpstreamError);
    expect(refused).toMatchObject({ status: 403, code: 'DENIED' });
  });

  it('validates the repository and the subject before any request', async () => {
    const registry = await server((_request, response) => void response.writeHead(500).end());
    const upstream = client(registry);
    await expect(upstream.listReferrers('../etc', SUBJECT)).rejects.toMatchObject({ code: 'NAME_INVALID' });
    await expect(upstream.listReferrers('team/app', 'latest')).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    await expect(upstream.listReferrers('team/app', 'sha256:abc')).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    expect(registry.requests).toHaveLength(0);
  });
});
