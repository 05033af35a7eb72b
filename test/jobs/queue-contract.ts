import { describe, it, expect, afterEach } from '@jest/globals';
import type { JobContext, JobEvents, JobQueue } from '@berth/jobs';
import { deferred, waitFor } from './helpers/wait.js';

// The semantics of the JobQueue port (packages/jobs/src/job-queue.ts), run against each adapter.
// Timing assertions are lower bounds (a timer never fires early), and every wait polls for a
// condition with a generous deadline, so a loaded machine makes the suite slower, not red.

export interface OpenedJobQueue {
  /** A fresh queue with nothing in it. */
  queue: JobQueue;
  /** Release everything the queue holds (the test's handlers have finished or been released). */
  close(): Promise<void>;
}

interface Run {
  payload: unknown;
  context: JobContext;
  at: number;
}

/** Events a worker reported, in order. */
function recordingEvents() {
  const completed: string[] = [];
  const failed: Array<{ name: string; message: string; willRetry: boolean; durationMs: number }> = [];
  const events: JobEvents = {
    completed: (name) => void completed.push(name),
    failed: (name, error, durationMs, willRetry) => void failed.push({ name, message: error.message, willRetry, durationMs }),
  };
  return { events, completed, failed };
}

export function describeJobQueueContract(name: string, open: () => Promise<OpenedJobQueue>): void {
  describe(`${name}: the JobQueue contract`, () => {
    const opened: OpenedJobQueue[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((o) => o.close()));
    });
    async function fresh(): Promise<JobQueue> {
      const made = await open();
      opened.push(made);
      return made.queue;
    }

    it('runs a job added before process() with its payload, id, name and attempt 1', async () => {
      const queue = await fresh();
      const runs: Run[] = [];
      expect(await queue.add('greet', { who: 'world', n: [1, 2] })).toBe(true);
      const { events, completed } = recordingEvents();
      await queue.process({ greet: async (payload, context) => void runs.push({ payload, context, at: Date.now() }) }, { concurrency: 1, events });
      await waitFor(() => completed.length === 1, 'the job to complete');
      expect(runs).toHaveLength(1);
      expect(runs[0]?.payload).toEqual({ who: 'world', n: [1, 2] });
      expect(runs[0]?.context).toEqual({ id: expect.any(String), name: 'greet', attempt: 1 });
      expect(runs[0]?.context.id).not.toBe('');
      expect(completed).toEqual(['greet']);
      await waitFor(async () => (await queue.counts()).active === 0, 'the job to leave the active jobs');
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    });

    it('runs one job per dedupeKey while it is pending, and again once it completed', async () => {
      const queue = await fresh();
      const payloads: unknown[] = [];
      const answers: boolean[] = [];
      for (let i = 0; i < 5; i++) answers.push(await queue.add('refresh', { i }, { dedupeKey: 'repo:a' }));
      expect(answers).toEqual([true, false, false, false, false]);
      // Another key is another job.
      expect(await queue.add('refresh', { other: true }, { dedupeKey: 'repo:b' })).toBe(true);
      expect((await queue.counts()).waiting).toBe(2);
      await queue.process({ refresh: async (payload) => void payloads.push(payload) }, { concurrency: 1 });
      await waitFor(() => payloads.length === 2, 'both jobs to run');
      expect(payloads).toEqual([{ i: 0 }, { other: true }]);
      await waitFor(async () => (await queue.counts()).active === 0, 'both jobs to finish');
      expect(await queue.add('refresh', { i: 5 }, { dedupeKey: 'repo:a' })).toBe(true);
      await waitFor(() => payloads.length === 3, 'the key to run again');
      expect(payloads[2]).toEqual({ i: 5 });
    });

    it('retries a failing handler with growing backoff until it succeeds at attempt 3', async () => {
      const queue = await fresh();
      const backoffMs = 200;
      const runs: Run[] = [];
      const { events, completed, failed } = recordingEvents();
      await queue.process({
        flaky: async (payload, context) => {
          runs.push({ payload, context, at: Date.now() });
          if (context.attempt < 3) throw new Error(`attempt ${context.attempt} failed`);
        },
      }, { concurrency: 1, events });
      expect(await queue.add('flaky', { x: 1 }, { attempts: 4, backoffMs, dedupeKey: 'flaky' })).toBe(true);
      // A job waiting for its retry still holds its dedupe key.
      await waitFor(() => runs.length >= 1, 'the first attempt');
      expect(await queue.add('flaky', { x: 2 }, { dedupeKey: 'flaky' })).toBe(false);
      await waitFor(() => completed.length === 1, 'the job to succeed');
      expect(runs.map((r) => r.context.attempt)).toEqual([1, 2, 3]);
      expect(new Set(runs.map((r) => r.context.id)).size).toBe(1);
      expect(runs.map((r) => r.payload)).toEqual([{ x: 1 }, { x: 1 }, { x: 1 }]);
      const [first, second, third] = runs.map((r) => r.at) as [number, number, number];
      expect(second - first).toBeGreaterThanOrEqual(backoffMs - 10);
      expect(third - second).toBeGreaterThanOrEqual(2 * backoffMs - 10);
      expect(failed.map((f) => [f.message, f.willRetry])).toEqual([['attempt 1 failed', true], ['attempt 2 failed', true]]);
      expect(await queue.recentFailures(10)).toEqual([]);
    });

    it('remembers a job that failed every attempt, newest first, and counts it', async () => {
      const queue = await fresh();
      const { events, failed } = recordingEvents();
      await queue.process({
        doomed: async (payload) => {
          throw new Error(`cannot do ${JSON.stringify(payload)}`);
        },
      }, { concurrency: 1, events });
      await queue.add('doomed', { n: 1 }, { attempts: 3, backoffMs: 50 });
      await waitFor(async () => (await queue.recentFailures(10)).length === 1, 'the job to fail for good');
      await queue.add('doomed', { n: 2 }, { attempts: 1 });
      await waitFor(async () => (await queue.recentFailures(10)).length === 2, 'the second job to fail');
      const failures = await queue.recentFailures(10);
      expect(failures.map((f) => ({ name: f.name, error: f.error, attempts: f.attempts, payload: f.payload }))).toEqual([
        { name: 'doomed', error: 'cannot do {"n":2}', attempts: 1, payload: { n: 2 } },
        { name: 'doomed', error: 'cannot do {"n":1}', attempts: 3, payload: { n: 1 } },
      ]);
      expect(failures[0]?.failedAt).toBeInstanceOf(Date);
      expect(Math.abs(Date.now() - (failures[0]?.failedAt.getTime() ?? 0))).toBeLessThan(60_000);
      expect(await queue.recentFailures(1)).toHaveLength(1);
      expect(failed.map((f) => f.willRetry)).toEqual([true, true, false, false]);
      expect(failed.every((f) => f.durationMs >= 0)).toBe(true);
      expect(await queue.counts()).toMatchObject({ failed: 2, waiting: 0, delayed: 0 });
    });

    it('does not run a delayed job before its delay', async () => {
      const queue = await fresh();
      const runs: number[] = [];
      await queue.process({ later: async () => void runs.push(Date.now()) }, { concurrency: 1 });
      const addedAt = Date.now();
      await queue.add('later', {}, { delayMs: 800 });
      expect(await queue.counts()).toMatchObject({ delayed: 1, waiting: 0 });
      await waitFor(() => runs.length === 1, 'the delayed job to run');
      expect((runs[0] ?? 0) - addedAt).toBeGreaterThanOrEqual(790);
    });

    it('runs at most `concurrency` jobs at once, and all of them', async () => {
      const queue = await fresh();
      let running = 0;
      let mostAtOnce = 0;
      const done: number[] = [];
      await queue.process({
        slow: async (payload) => {
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          await new Promise((resolve) => setTimeout(resolve, 400));
          running -= 1;
          done.push((payload as { n: number }).n);
        },
      }, { concurrency: 2 });
      for (let n = 0; n < 4; n++) await queue.add('slow', { n });
      await waitFor(() => done.length === 4, 'all four jobs');
      expect(mostAtOnce).toBe(2);
      expect([...done].sort()).toEqual([0, 1, 2, 3]);
    });

    it('counts one delayed job per schedule, however often it is scheduled', async () => {
      const queue = await fresh();
      await queue.schedule('gc', 60_000, {});
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 1, failed: 0 });
      await queue.schedule('gc', 30_000, {});
      await queue.schedule('gc', 30_000, {});
      expect((await queue.counts()).delayed).toBe(1);
      await queue.schedule('retention', 60_000, {});
      expect((await queue.counts()).delayed).toBe(2);
    });

    it('runs a schedule every interval, the first one interval from now; a new interval replaces it', async () => {
      const queue = await fresh();
      const runs: Run[] = [];
      await queue.process({ tick: async (payload, context) => void runs.push({ payload, context, at: Date.now() }) }, { concurrency: 2 });
      const scheduledAt = Date.now();
      await queue.schedule('tick', 200, { v: 1 });
      await waitFor(() => runs.length >= 3, 'three runs of the 200 ms schedule');
      expect((runs[0]?.at ?? 0) - scheduledAt).toBeGreaterThanOrEqual(190);
      expect(runs.slice(0, 3).map((r) => r.payload)).toEqual([{ v: 1 }, { v: 1 }, { v: 1 }]);

      const everyMs = 700;
      const replacingAt = Date.now();
      await queue.schedule('tick', everyMs, { v: 2 });
      const replacedAt = Date.now();
      const after = () => runs.filter((r) => r.at > replacedAt);
      await waitFor(() => after().length >= 3, 'three runs of the replacing schedule');
      const later = after();
      // Only the new schedule runs, and its k-th run comes no earlier than k intervals after it
      // was set (a run picked up late does not push the next one back, so consecutive gaps may be
      // shorter): one schedule, not two.
      expect(later.map((r) => r.payload)).toEqual(later.map(() => ({ v: 2 })));
      later.forEach((run, k) => expect(run.at - replacingAt).toBeGreaterThanOrEqual((k + 1) * everyMs - 30));
    });

    it('fails a job whose name has no handler instead of dropping it', async () => {
      const queue = await fresh();
      const { events, failed } = recordingEvents();
      await queue.process({ known: async () => undefined }, { concurrency: 1, events });
      await queue.add('unknown', { x: 1 });
      await waitFor(async () => (await queue.recentFailures(10)).length === 1, 'the first job to fail');
      // Looked up as an own property of the handlers: an inherited name is no handler either.
      await queue.add('constructor', {}, { attempts: 1 });
      await waitFor(async () => (await queue.recentFailures(10)).length === 2, 'the second job to fail');
      const failures = await queue.recentFailures(10);
      expect(failures.map((f) => [f.name, f.attempts, f.payload])).toEqual([['constructor', 1, {}], ['unknown', 1, { x: 1 }]]);
      expect(failures[1]?.error).toMatch(/no handler.*unknown/);
      expect(failed.map((f) => [f.name, f.willRetry])).toEqual([['unknown', false], ['constructor', false]]);
      expect((await queue.counts()).failed).toBe(2);
    });

    it('counts jobs waiting for a worker, and for a busy one', async () => {
      const queue = await fresh();
      await queue.add('block', { n: 1 });
      await queue.add('block', { n: 2 });
      await queue.add('block', { n: 3 }, { delayMs: 120_000 });
      expect(await queue.counts()).toEqual({ waiting: 2, active: 0, delayed: 1, failed: 0 });
      const release = deferred();
      const started: unknown[] = [];
      await queue.process({
        block: async (payload) => {
          started.push(payload);
          await release.promise;
        },
      }, { concurrency: 1 });
      await waitFor(async () => (await queue.counts()).active === 1, 'one job to be active');
      expect(await queue.counts()).toEqual({ waiting: 1, active: 1, delayed: 1, failed: 0 });
      expect(started).toEqual([{ n: 1 }]);
      release.resolve();
      await waitFor(async () => (await queue.counts()).waiting === 0 && (await queue.counts()).active === 0, 'both jobs to finish');
      expect(started).toEqual([{ n: 1 }, { n: 2 }]);
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 1, failed: 0 });
    });

    it('close(grace) waits for an active job that finishes within the grace', async () => {
      const queue = await fresh();
      let finished = false;
      let started = false;
      await queue.process({
        slow: async () => {
          started = true;
          await new Promise((resolve) => setTimeout(resolve, 500));
          finished = true;
        },
      }, { concurrency: 1 });
      await queue.add('slow', {});
      await waitFor(() => started, 'the job to start');
      await queue.close(20_000);
      expect(finished).toBe(true);
    });

    it('close(grace) returns once the grace is over although a job still runs', async () => {
      const queue = await fresh();
      const release = deferred();
      let started = false;
      await queue.process({
        stuck: async () => {
          started = true;
          await release.promise;
        },
      }, { concurrency: 1 });
      await queue.add('stuck', {});
      await waitFor(() => started, 'the job to start');
      const closingAt = Date.now();
      await queue.close(300);
      const tookMs = Date.now() - closingAt;
      release.resolve();
      expect(tookMs).toBeGreaterThanOrEqual(290);
      expect(tookMs).toBeLessThan(10_000);
      await expect(queue.add('stuck', {})).rejects.toThrow();
    });
  });
}
