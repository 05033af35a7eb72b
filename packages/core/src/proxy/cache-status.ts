/**
 * What the cache did for a proxied request, written as an RFC 9211 Cache-Status header:
 * A project with several upstreams names the one that answered (`detail="upstream <name>"`).
 *   hit          served from the cache without contacting the upstream
 *   revalidated  the upstream confirmed the cached tag (HEAD) and the cached copy was served
 *   miss         fetched from the upstream (and stored)
 *   coalesced    joined a fetch already in flight for the same content
 *   stale        the upstream was unavailable (or said 404 with serveStaleOnNotFound); the cached copy was served
 *   incomplete   the upstream could not answer and nothing was cached: only what Berth holds itself was served
 */
export type CacheOutcome =
  | { kind: 'hit'; ttlSeconds?: number }
  | { kind: 'revalidated'; upstream?: string }
  | { kind: 'miss'; stored: boolean; upstream?: string }
  | { kind: 'coalesced' }
  | { kind: 'stale'; reason: string }
  | { kind: 'incomplete'; reason: string };

const CACHE_NAME = 'Berth';

export function cacheStatusHeader(outcome: CacheOutcome): string {
  switch (outcome.kind) {
    case 'hit':
      return outcome.ttlSeconds === undefined ? `${CACHE_NAME}; hit` : `${CACHE_NAME}; hit; ttl=${Math.max(0, Math.floor(outcome.ttlSeconds))}`;
    case 'revalidated':
      return outcome.upstream === undefined
        ? `${CACHE_NAME}; fwd=stale; fwd-status=200; detail=revalidated`
        : `${CACHE_NAME}; fwd=stale; fwd-status=200; detail="revalidated: upstream ${quotable(outcome.upstream)}"`;
    case 'miss':
      return `${CACHE_NAME}; fwd=miss${outcome.stored ? '; stored' : ''}${outcome.upstream === undefined ? '' : `; detail="upstream ${quotable(outcome.upstream)}"`}`;
    case 'coalesced':
      return `${CACHE_NAME}; fwd=miss; collapsed`;
    case 'stale':
      return `${CACHE_NAME}; hit; detail="stale: ${quotable(outcome.reason)}"`;
    case 'incomplete':
      return `${CACHE_NAME}; fwd=miss; detail="incomplete: ${quotable(outcome.reason)}"`;
  }
}

/** Text safe inside one quoted string of the header. */
function quotable(text: string): string {
  return text.replace(/["\\]/g, '');
}
