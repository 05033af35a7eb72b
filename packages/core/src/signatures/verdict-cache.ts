import type { Verdict } from '@berth/signatures';
import { BoundedLru } from '../proxy/bounded-lru.js';
import type { ReferrersCache } from '../referrers-cache/types.js';

/** A verdict and what it was reached from (see ReferrersService.snapshot's basis). */
interface CachedVerdict {
  basis: string;
  verdict: Verdict;
}

export interface VerdictCacheLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Verdicts by (project, repository, subject digest, policy version), each valid for one basis: the
 * project's content version and the cached upstream referrers list it was reached from. A push or
 * delete of a referrer (any replica) or a refresh of the upstream list changes the basis, a new key
 * or certificate changes the policy version; either way the verdict is reached again.
 *
 * In process memory (bounded by bytes, least recently used first), in front of a shared store when
 * one is given: the Redis referrers-cache implementation under its own key prefix, with its byte
 * budget and expiry, so replicas reuse each other's verdicts. The shared store failing is logged
 * and costs only a recomputation.
 */
export class VerdictCache {
  private readonly memory: BoundedLru<CachedVerdict>;

  constructor(
    private readonly shared?: ReferrersCache,
    private readonly options: { maxMemoryBytes?: number; logger?: VerdictCacheLogger; now?: () => number } = {},
  ) {
    this.memory = new BoundedLru<CachedVerdict>(options.maxMemoryBytes ?? 8 * 1024 * 1024, (entry) => 200 + JSON.stringify(entry.verdict).length);
  }

  static key(projectId: number, repository: string, subject: string, policyVersion: string): string {
    return `p${projectId}:${repository}@${subject}#${policyVersion}`;
  }

  async get(key: string, basis: string): Promise<Verdict | undefined> {
    const remembered = this.memory.get(key);
    if (remembered?.basis === basis) return remembered.verdict;
    if (this.shared === undefined) return undefined;
    try {
      const entry = await this.shared.get(key);
      if (entry === null) return undefined;
      const stored = JSON.parse(entry.value) as Partial<CachedVerdict>;
      if (stored.basis !== basis || typeof stored.verdict?.passed !== 'boolean') return undefined;
      this.memory.set(key, { basis, verdict: stored.verdict });
      return stored.verdict;
    } catch (error) {
      this.options.logger?.warn({ key, error: String(error) }, 'signature verdict cache read failed');
      return undefined;
    }
  }

  async set(key: string, basis: string, verdict: Verdict): Promise<void> {
    this.memory.set(key, { basis, verdict });
    if (this.shared === undefined) return;
    await this.shared.set(key, JSON.stringify({ basis, verdict }), (this.options.now ?? Date.now)()).catch((error: unknown) => {
      this.options.logger?.warn({ key, error: String(error) }, 'signature verdict cache write failed');
    });
  }
}
