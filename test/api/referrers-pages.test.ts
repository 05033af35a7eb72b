import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { manifestDescriptor, uniqueRepo, type Descriptor } from './content.js';
import { call, describeResult, parseNextLink, pushImage } from './helpers.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';

// Berth-specific: a long referrers list is split into pages linked with Link: rel="next"; following
// the links yields every referrer exactly once, in the same order as one long answer would.

const PAGE = 3;
const SIGNATURE = 'application/vnd.example.signature.v1';
const SBOM = 'application/vnd.example.sbom.v1';

let berth: BerthUnderTest;
const repo = uniqueRepo('refpages');
let subject: Descriptor;
const expected = new Map<string, string>();

async function allPages(first: string): Promise<Array<Array<{ digest: string; artifactType?: string }>>> {
  const pages: Array<Array<{ digest: string; artifactType?: string }>> = [];
  for (let next: string | undefined = first; next !== undefined; ) {
    const result = await call(berth.url, 'GET', next);
    if (result.status !== 200) throw new Error(describeResult(result));
    pages.push(result.json<{ manifests: Array<{ digest: string; artifactType?: string }> }>().manifests);
    next = parseNextLink(result.headers.get('link'));
    if (pages.length > 20) throw new Error('pagination does not end');
  }
  return pages;
}

beforeAll(async () => {
  berth = await startBerth({ config: { limits: { referrersPageMaxDescriptors: PAGE } } });
  const image = await pushImage(berth.url, repo, 'v1');
  subject = manifestDescriptor(image.manifest);
  for (let i = 0; i < 8; i++) {
    const artifactType = i % 2 === 0 ? SIGNATURE : SBOM;
    const referrer = await pushImage(berth.url, repo, undefined, { subject, artifactType });
    expected.set(referrer.manifest.digest, artifactType);
  }
});

afterAll(async () => {
  await berth?.stop();
});

describe('referrers pagination', () => {
  it('splits the list into pages of the configured size and the links reach every referrer once', async () => {
    const pages = await allPages(`/v2/${repo}/referrers/${subject.digest}`);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    const digests = pages.flat().map((d) => d.digest);
    expect(new Set(digests).size).toBe(8);
    expect(new Set(digests)).toEqual(new Set(expected.keys()));
    expect(digests).toEqual([...digests].sort());
  });

  it('keeps the artifactType filter on every page', async () => {
    const first = await call(berth.url, 'GET', `/v2/${repo}/referrers/${subject.digest}?artifactType=${encodeURIComponent(SBOM)}`);
    expect(first.headers.get('oci-filters-applied')).toBe('artifactType');
    const link = parseNextLink(first.headers.get('link'));
    expect(link).toBeDefined();
    expect(decodeURIComponent(link!)).toContain(`artifactType=${SBOM}`);
    const pages = await allPages(`/v2/${repo}/referrers/${subject.digest}?artifactType=${encodeURIComponent(SBOM)}`);
    const found = pages.flat();
    expect(found).toHaveLength(4);
    expect(found.every((d) => d.artifactType === SBOM)).toBe(true);
  });
});
