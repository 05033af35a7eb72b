/**
 * Work the request path hands off instead of doing it while a client waits. The jobs package
 * implements it with a queue (BullMQ, or the in-process runner); each call only enqueues and never
 * throws. Requests for the same thing while one is pending are merged into one job.
 */
export interface BackgroundWork {
  /** Re-read an upstream referrers list that was answered stale. */
  refreshReferrers(request: ReferrersRefresh): void;
  /** Re-check a cached tag with the upstream after it was answered stale (the upstream failed). */
  refreshTag(request: TagRefresh): void;
  /** Fetch what a pull of this manifest will ask for next (blobs, platform manifests, referrers). */
  prefetch(request: PrefetchRequest): void;
}

export interface ReferrersRefresh {
  /** The repository as clients name it on Berth (`hub/library/nginx`). */
  repository: string;
  subject: string;
}

export interface TagRefresh {
  repository: string;
  tag: string;
}

export interface PrefetchRequest {
  repository: string;
  digest: string;
}
