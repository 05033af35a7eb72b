import { UpstreamError, UpstreamUnavailableError } from '@berth/upstream';
import { nameIfSeveral, type ProxyContext, type ProxyUpstream } from './proxy-context.js';

/** What asking a project's upstreams in order gave. */
export interface OrderedAnswer<T> {
  /** The first upstream that had it, with its answer. */
  found?: { upstream: ProxyUpstream; value: T };
  /** Upstreams asked before the answer (or all of them) that were unavailable, in order. */
  unavailable: Array<{ upstream: ProxyUpstream; error: UpstreamUnavailableError }>;
  /** The first refusal (401/403, content that failed verification, ...) of an upstream asked. */
  refused?: UpstreamError;
}

/**
 * Ask the upstreams in order until one has it: a 404 (`null`) moves on to the next; an unavailable
 * one (connection, timeout, 5xx, 429, open breaker) is noted and skipped; a refusal (401/403, bad
 * content) is noted and skipped too, so another upstream may still serve. Other errors are bugs and
 * propagate. A project with one upstream asks exactly as before.
 */
export async function askInOrder<T>(upstreams: readonly ProxyUpstream[], ask: (upstream: ProxyUpstream) => Promise<T | null>): Promise<OrderedAnswer<T>> {
  const answer: OrderedAnswer<T> = { unavailable: [] };
  for (const upstream of upstreams) {
    try {
      const value = await ask(upstream);
      if (value !== null) return { ...answer, found: { upstream, value } };
    } catch (error) {
      if (error instanceof UpstreamUnavailableError) answer.unavailable.push({ upstream, error });
      else if (error instanceof UpstreamError) answer.refused ??= error;
      else throw error;
    }
  }
  return answer;
}

/** Why nothing was found, when it was not a plain "not found anywhere": the first unavailable upstream's error, else the first refusal. */
export function failureOf(answer: OrderedAnswer<unknown>): UpstreamError | UpstreamUnavailableError | undefined {
  return answer.unavailable[0]?.error ?? answer.refused;
}

/** The first find; null when no upstream has it; throws failureOf's error when none could say (unavailable, refused). */
export function foundOrThrow<T>(answer: OrderedAnswer<T>): { upstream: ProxyUpstream; value: T } | null {
  if (answer.found !== undefined) return answer.found;
  const failure = failureOf(answer);
  if (failure !== undefined) throw failure;
  return null;
}

/** The upstreams with `first` (by name) moved to the front: where a digest is likeliest to be. */
export function preferring(upstreams: readonly ProxyUpstream[], first: string | undefined): readonly ProxyUpstream[] {
  if (first === undefined || upstreams.length < 2 || upstreams[0]?.name === first) return upstreams;
  const preferred = upstreams.find((upstream) => upstream.name === first);
  return preferred === undefined ? upstreams : [preferred, ...upstreams.filter((upstream) => upstream !== preferred)];
}

/**
 * Which upstream served what, remembered in process memory (bounded): a tag's source (so that a
 * cached tag whose upstream is down is served stale rather than replaced by a lower upstream's), and
 * a digest's (so manifests and blobs by digest ask the upstream that served the referring manifest
 * first). Lost on restart: then the order alone decides.
 */
export class UpstreamSources {
  private readonly sources = new Map<string, string>();

  constructor(private readonly maxEntries = 100_000) {}

  get(projectId: number, repository: string, reference: string): string | undefined {
    return this.sources.get(key(projectId, repository, reference));
  }

  /** The remembered source of `reference` in the request's repository. */
  of(ctx: Pick<ProxyContext, 'project' | 'name'>, reference: string): string | undefined {
    return this.get(ctx.project.id, ctx.name, reference);
  }

  /** Remember `upstream` as the source of `reference` in the request's repository: only a project with several upstreams needs to know. */
  record(ctx: Pick<ProxyContext, 'project' | 'name' | 'upstreams'>, reference: string, upstream: string): void {
    if (nameIfSeveral(ctx, upstream) !== undefined) this.set(ctx.project.id, ctx.name, reference, upstream);
  }

  set(projectId: number, repository: string, reference: string, upstream: string): void {
    const at = key(projectId, repository, reference);
    this.sources.delete(at); // re-inserted last: the map's order is its recency
    this.sources.set(at, upstream);
    if (this.sources.size > this.maxEntries) {
      const oldest = this.sources.keys().next().value;
      if (oldest !== undefined) this.sources.delete(oldest);
    }
  }
}

function key(projectId: number, repository: string, reference: string): string {
  return `${projectId} ${repository} ${reference}`;
}
