import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import { uniqueRepo } from './content.js';
import { call, describeResult, expectOciError, parseNextLink, pushImage, pushManifest, type HttpResult } from './helpers.js';
import { startTarget, type ApiTarget } from './target.js';

// Content discovery (spec "Listing Tags", conformance 03_discovery_test.go) and the catalog:
// lexical order, `n` and `last`, and `Link: <...>; rel="next"` pagination.

// Starting Berth (embedded database, migrations) takes seconds on a shared machine.
jest.setTimeout(120_000);

let target: ApiTarget;
let base: string;
const repo = 'disc/tags';
// Pushed in this order; listed in lexical (byte) order. No upper case, so case-insensitive
// alphanumeric order and byte order agree.
const TAGS = ['v2', 'latest', 'a', '1.0', 'a_b', 'z', 'a-b', '0.9', 'v10', 'a.b', 'ab', 'b'];
const SORTED = [...TAGS].sort();
const CATALOG = ['disc/tags', 'disc/alpha', 'disc/gamma', 'disc/beta', 'disc/delta/nested', 'disc/delta'].sort();

beforeAll(async () => {
  target = await startTarget();
  base = target.url;
  const image = await pushImage(base, repo, TAGS[0]);
  for (const tag of TAGS.slice(1)) await pushManifest(base, repo, tag, image.manifest);
  for (const name of CATALOG.filter((n) => n !== repo)) await pushImage(base, name, 'latest');
});

afterAll(async () => {
  await target?.stop();
});

interface TagList {
  name: string;
  tags: string[];
}

async function listTags(query = ''): Promise<{ result: HttpResult; body: TagList }> {
  const result = await call(base, 'GET', `/v2/${repo}/tags/list${query}`);
  if (result.status !== 200) throw new Error(`tags/list${query}: ${describeResult(result)}`);
  return { result, body: result.json<TagList>() };
}

/** Follow Link rel="next" from `first`, collecting every page's entries. */
async function followPages<T>(first: string, entries: (result: HttpResult) => T[], pageSize: number): Promise<T[]> {
  const all: T[] = [];
  let next: string | undefined = first;
  for (let pages = 0; next !== undefined; pages += 1) {
    if (pages > 50) throw new Error('pagination does not end');
    const result = await call(base, 'GET', next);
    expect(result.status).toBe(200);
    const page = entries(result);
    next = parseNextLink(result.headers.get('link'));
    if (next !== undefined) expect(page.length).toBe(pageSize);
    all.push(...page);
  }
  return all;
}

describe('tags/list', () => {
  it('lists every tag in lexical order with the repository name', async () => {
    const { body } = await listTags();
    expect(body).toEqual({ name: repo, tags: SORTED });
  });

  it('n limits the answer to the first n tags and announces the rest with Link rel="next"', async () => {
    const { result, body } = await listTags('?n=5');
    expect(body.tags).toEqual(SORTED.slice(0, 5));
    const next = parseNextLink(result.headers.get('link'));
    expect(next).toBeDefined();
    expect(new URL(next ?? '', base).pathname).toBe(`/v2/${repo}/tags/list`);
  });

  it('following Link headers visits every tag once, in order', async () => {
    const tags = await followPages(`/v2/${repo}/tags/list?n=5`, (r) => r.json<TagList>().tags, 5);
    expect(tags).toEqual(SORTED);
  });

  it('last returns the tags after the given one (exclusive)', async () => {
    const last = SORTED[3] ?? '';
    const { body } = await listTags(`?n=4&last=${encodeURIComponent(last)}`);
    expect(body.tags).toEqual(SORTED.slice(4, 8));
  });

  it('last without n returns every tag after it', async () => {
    const last = SORTED[6] ?? '';
    const { body } = await listTags(`?last=${encodeURIComponent(last)}`);
    expect(body.tags).toEqual(SORTED.slice(7));
  });

  it('last need not be an existing tag: the list starts after it in lexical order', async () => {
    const { body } = await listTags('?last=aa');
    expect(body.tags).toEqual(SORTED.filter((tag) => tag > 'aa'));
  });

  it('n=0 returns an empty list and no Link header', async () => {
    const { result, body } = await listTags('?n=0');
    expect(body.tags).toEqual([]);
    expect(result.headers.get('link')).toBeNull();
  });

  it('n larger than the number of tags returns them all without a Link header', async () => {
    const { result, body } = await listTags(`?n=${TAGS.length + 10}`);
    expect(body.tags).toEqual(SORTED);
    expect(result.headers.get('link')).toBeNull();
  });

  it('the last page has no Link header', async () => {
    const { result, body } = await listTags(`?n=5&last=${encodeURIComponent(SORTED[SORTED.length - 3] ?? '')}`);
    expect(body.tags).toEqual(SORTED.slice(-2));
    expect(result.headers.get('link')).toBeNull();
  });

  it('a repository that does not exist is 404 NAME_UNKNOWN', async () => {
    expectOciError(await call(base, 'GET', `/v2/${uniqueRepo('disc-none')}/tags/list`), 404, 'NAME_UNKNOWN');
  });
});

describe('_catalog', () => {
  interface Catalog {
    repositories: string[];
  }

  it('lists every repository in lexical order', async () => {
    const result = await call(base, 'GET', '/v2/_catalog');
    expect(result.status).toBe(200);
    expect(result.json<Catalog>()).toEqual({ repositories: CATALOG });
  });

  it('n limits the answer and Link rel="next" leads through every repository once', async () => {
    const first = await call(base, 'GET', '/v2/_catalog?n=2');
    expect(first.json<Catalog>().repositories).toEqual(CATALOG.slice(0, 2));
    expect(parseNextLink(first.headers.get('link'))).toBeDefined();
    const all = await followPages('/v2/_catalog?n=2', (r) => r.json<Catalog>().repositories, 2);
    expect(all).toEqual(CATALOG);
  });

  it('last returns the repositories after the given one', async () => {
    const result = await call(base, 'GET', `/v2/_catalog?n=3&last=${encodeURIComponent(CATALOG[1] ?? '')}`);
    expect(result.status).toBe(200);
    expect(result.json<Catalog>().repositories).toEqual(CATALOG.slice(2, 5));
  });
});
