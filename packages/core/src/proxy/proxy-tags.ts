import { OciError } from '@berth/oci';
import type { MetadataStore } from '@berth/db';
import type { ListPage } from '../listing.js';
import type { CacheOutcome } from './cache-status.js';
import type { ProxyContext } from './proxy-context.js';
import { unavailableReason, upstreamFailure } from './upstream-errors.js';

const MAX_REMEMBERED_LISTS = 1_000;

/**
 * tags/list of proxy repositories: the upstream's tags merged with the cached and pushed ones, in
 * lexical order, paged. The upstream's list is remembered for the tag TTL (a long list is many
 * upstream pages) and stands in, stale, while the upstream is unavailable.
 */
export class ProxyTags {
  private readonly lists = new Map<string, { at: number; tags: string[] | null }>();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly now: () => number = Date.now,
  ) {}

  async list(ctx: ProxyContext, page: { limit?: number; after?: string }): Promise<ListPage & { outcome: CacheOutcome }> {
    const repository = await this.metadata.getRepository(ctx.name);
    const local = repository === null ? [] : await this.metadata.listTags(repository.id, {});
    const { tags: upstream, outcome } = await this.upstreamTags(ctx, repository !== null);
    if (upstream === null && repository === null) {
      throw new OciError('NAME_UNKNOWN', `repository ${ctx.name} is not known here nor upstream`, { detail: { name: ctx.name } });
    }
    const all = [...new Set([...(upstream ?? []), ...local])].sort(byteOrder);
    const after = page.after === undefined ? all : all.filter((tag) => byteOrder(tag, page.after ?? '') > 0);
    if (page.limit === undefined) return { items: after, more: false, outcome };
    return { items: after.slice(0, page.limit), more: after.length > page.limit, outcome };
  }

  /** Forget the remembered upstream tag lists of a project, or of one repository. */
  forget(projectId: number, name?: string): void {
    for (const key of [...this.lists.keys()]) {
      if (name === undefined ? key.startsWith(`${projectId} `) : key === `${projectId} ${name}`) this.lists.delete(key);
    }
  }

  private async upstreamTags(ctx: ProxyContext, knownHere: boolean): Promise<{ tags: string[] | null; outcome: CacheOutcome }> {
    const key = `${ctx.project.id} ${ctx.name}`;
    const remembered = this.lists.get(key);
    const ageSeconds = remembered === undefined ? Infinity : (this.now() - remembered.at) / 1000;
    if (remembered !== undefined && ageSeconds < ctx.settings.tagTtlSeconds) {
      return { tags: remembered.tags, outcome: { kind: 'hit', ttlSeconds: ctx.settings.tagTtlSeconds - ageSeconds } };
    }
    try {
      const tags = await allUpstreamTagsOf(ctx);
      if (this.lists.size >= MAX_REMEMBERED_LISTS) this.lists.clear();
      this.lists.set(key, { at: this.now(), tags });
      return { tags, outcome: { kind: 'miss', stored: false } };
    } catch (error) {
      const reason = unavailableReason(error);
      const staleAllowed = ageSeconds <= ctx.settings.tagTtlSeconds + ctx.settings.maxStaleSeconds;
      if (reason !== undefined && remembered !== undefined && staleAllowed) return { tags: remembered.tags, outcome: { kind: 'stale', reason } };
      // Nothing remembered: what is cached here still answers, marked stale.
      if (reason !== undefined && knownHere) return { tags: [], outcome: { kind: 'stale', reason } };
      return upstreamFailure(error, `the tag list of ${ctx.name}`);
    }
  }
}

/**
 * Every upstream's tags, together (null when no upstream knows the repository). Throws the first
 * failure when any upstream could not answer: a partial list would hide tags, so the remembered
 * list (or what is cached here) stands in, marked stale.
 */
async function allUpstreamTagsOf(ctx: ProxyContext): Promise<string[] | null> {
  const lists = await Promise.all(ctx.upstreams.map((upstream) => upstream.client.listTags(upstream.repository).then((tags) => ({ tags }), (error: unknown) => ({ error }))));
  const failed = lists.find((list): list is { error: unknown } => 'error' in list);
  if (failed !== undefined) throw failed.error;
  const found = lists.flatMap((list) => ('tags' in list && list.tags !== null ? [list.tags] : []));
  return found.length === 0 ? null : [...new Set(found.flat())];
}

/** Tags sort by their bytes (as the database's COLLATE "C" does), not by locale. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
