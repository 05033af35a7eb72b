import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobEvents, JobQueue, MaintenanceObserver } from '@berth/jobs';

export interface JobMetrics {
  /** Durations and failures of the jobs this process runs. */
  events: JobEvents;
  /** What maintenance jobs evicted and collected. */
  maintenance: MaintenanceObserver;
  /** Report the queue's jobs by state at every scrape (the whole queue: shared on Redis). */
  observeQueue(queue: Pick<JobQueue, 'counts'>): void;
}

export function createJobMetrics(registry: Registry): JobMetrics {
  const registers = [registry];
  const durations = new Histogram({
    name: 'berth_job_duration_seconds',
    help: 'Time jobs took in this process, by job and outcome (completed, failed)',
    labelNames: ['job', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers,
  });
  const failures = new Counter({ name: 'berth_job_failures_total', help: 'Failed job attempts, by job and whether it will be retried', labelNames: ['job', 'retry'], registers });
  const evictedImages = new Counter({ name: 'berth_cache_evicted_images_total', help: 'Cached images evicted, by project and reason (retention, quota)', labelNames: ['project', 'reason'], registers });
  const evictedBytes = new Counter({ name: 'berth_cache_evicted_bytes_total', help: "Bytes a project's eviction run took off its stored total (freed from storage by garbage collection)", labelNames: ['project'], registers });
  const overQuota = new Gauge({ name: 'berth_cache_over_quota', help: '1 when evicting every cached image left the project over its quota', labelNames: ['project'], registers });
  const projectBytes = new Gauge({ name: 'berth_cache_project_bytes', help: "Bytes of blobs linked to the project's repositories, as of the last eviction run", labelNames: ['project'], registers });
  const gcBlobs = new Counter({ name: 'berth_gc_deleted_blobs_total', help: 'Unreferenced blobs deleted from storage', registers });
  const gcBytes = new Counter({ name: 'berth_gc_deleted_bytes_total', help: 'Bytes of unreferenced blobs deleted from storage', registers });
  const uploads = new Counter({ name: 'berth_uploads_abandoned_removed_total', help: 'Abandoned upload sessions removed with their data', registers });
  return {
    events: {
      completed: (job, durationMs) => durations.observe({ job, outcome: 'completed' }, durationMs / 1000),
      failed(job, _error, durationMs, willRetry) {
        durations.observe({ job, outcome: 'failed' }, durationMs / 1000);
        failures.inc({ job, retry: String(willRetry) });
      },
    },
    maintenance: {
      evicted(run) {
        if (run.expired > 0) evictedImages.inc({ project: run.project, reason: 'retention' }, run.expired);
        if (run.overQuota > 0) evictedImages.inc({ project: run.project, reason: 'quota' }, run.overQuota);
        if (run.bytesBefore > run.bytesAfter) evictedBytes.inc({ project: run.project }, run.bytesBefore - run.bytesAfter);
        overQuota.set({ project: run.project }, run.stillOverQuota === true ? 1 : 0);
        projectBytes.set({ project: run.project }, run.bytesAfter);
      },
      collected(result) {
        gcBlobs.inc(result.deleted);
        gcBytes.inc(result.bytes);
      },
      uploadsRemoved: (count) => uploads.inc(count),
    },
    observeQueue(queue) {
      new Gauge({
        name: 'berth_jobs',
        help: 'Jobs in the queue by state (waiting, active, delayed, failed)',
        labelNames: ['state'],
        registers,
        async collect() {
          // A scrape must not fail because Redis is down; the values are then left as they were.
          const counts = await queue.counts().catch(() => undefined);
          if (counts === undefined) return;
          for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
        },
      });
    },
  };
}
