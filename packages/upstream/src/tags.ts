import { parseNextLink } from '@berth/oci';
import { refusedAnswer } from './errors.js';
import { readBody } from './http.js';
import type { UpstreamFetch } from './http.js';

export const DEFAULT_TAGS_PAGE_SIZE = 1000;
/** Bounds on one listing, so a looping or endless Link chain cannot run forever. */
const MAX_TAG_PAGES = 1000;
const MAX_TAGS_PAGE_BYTES = 16 * 1024 * 1024;

/**
 * Every tag of a repository: `tags/list?n=<pageSize>`, then each `Link: <...>; rel="next"` page
 * (relative to the page that named it, or absolute). Null when the first page is a 404.
 */
export async function listTags(upstream: string, fetch: UpstreamFetch, firstPage: URL, repository: string): Promise<string[] | null> {
  let url = firstPage;
  const tags = new Set<string>();
  const visited = new Set<string>();
  for (let page = 0; page < MAX_TAG_PAGES; page += 1) {
    visited.add(url.href);
    const response = await fetch('tags', 'GET', url, repository, { accept: 'application/json' });
    if (response === null) return page === 0 ? null : [...tags];
    const body = await readBody(response, MAX_TAGS_PAGE_BYTES, upstream);
    for (const tag of parseTagPage(upstream, body)) tags.add(tag);
    const next = parseNextLink(response.headers.link);
    if (next === undefined) break;
    url = new URL(next, response.url);
    if (visited.has(url.href)) break;
  }
  return [...tags];
}

function parseTagPage(upstream: string, body: Buffer | undefined): string[] {
  let tags: unknown;
  try {
    if (body === undefined) throw new Error('too big');
    tags = (JSON.parse(body.toString()) as { tags?: unknown }).tags;
  } catch {
    throw refusedAnswer(upstream, 200, 'UNSUPPORTED', `the tag list is not a JSON document of at most ${MAX_TAGS_PAGE_BYTES} bytes`);
  }
  if (tags === null || tags === undefined) return [];
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string')) {
    throw refusedAnswer(upstream, 200, 'UNSUPPORTED', 'the tag list has no array of strings');
  }
  return tags as string[];
}
