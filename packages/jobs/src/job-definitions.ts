import * as z from 'zod';
import type { JobOptions } from './job-queue.js';

/**
 * Every job Berth runs: its name, the payload it carries (checked when the job runs, so a job left
 * in Redis by another version fails clearly instead of misbehaving), and how it is retried.
 */

const repository = z.string().min(1);
const digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/);

export const JOBS = {
  refreshReferrers: {
    name: 'referrers.refresh',
    payload: z.strictObject({ repository, subject: digest }),
    options: (p: { repository: string; subject: string }): JobOptions => ({ dedupeKey: `referrers:${p.repository}@${p.subject}`, attempts: 5, backoffMs: 5_000 }),
  },
  refreshTag: {
    name: 'tag.refresh',
    payload: z.strictObject({ repository, tag: z.string().min(1) }),
    // While the upstream is down: retried after 10 s, 20 s, ... about 40 minutes in all.
    options: (p: { repository: string; tag: string }): JobOptions => ({ dedupeKey: `tag:${p.repository}:${p.tag}`, attempts: 9, backoffMs: 10_000 }),
  },
  prefetch: {
    name: 'prefetch',
    payload: z.strictObject({ repository, digest }),
    options: (p: { repository: string; digest: string }): JobOptions => ({ dedupeKey: `prefetch:${p.repository}@${p.digest}`, attempts: 3, backoffMs: 10_000 }),
  },
  evict: { name: 'cache.evict', payload: z.strictObject({}) },
  collectGarbage: { name: 'blobs.gc', payload: z.strictObject({}) },
  cleanUploads: { name: 'uploads.cleanup', payload: z.strictObject({}) },
} as const;

export type JobName = (typeof JOBS)[keyof typeof JOBS]['name'];
