import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { BullJobQueue, type BullJobQueueLogger, type JobContext } from '@berth/jobs';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { deferred, waitFor } from './helpers/wait.js';

// What only a queue shared by processes has: a worker that dies (or is cut off by its close grace)
// mid-job leaves the job active with a lock nobody renews; once the lock lapses, another worker's
// stalled check puts it back and that worker runs it. Short locks keep this to a second or two.
// bullmq itself is used here only to read a job's stall bookkeeping.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./helpers/bull-worker-child.ts', import.meta.url));
const SHORT_LOCKS = { lockDurationMs: 1000, stalledIntervalMs: 500 };

let server: TestRedis;
let child: ChildProcess | undefined;
let childOutput = '';
const queues: BullJobQueue[] = [];
const inspectors: Queue[] = [];
const warnings: string[] = [];
const logger: BullJobQueueLogger = { warn: (fields, message) => void warnings.push(`${message} ${JSON.stringify(fields)}`) };

beforeAll(async () => {
  server = await startRedis();
});

afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close(1000)));
  await Promise.all(inspectors.splice(0).map((q) => q.close()));
});

afterAll(async () => {
  await killChild();
  await server?.stop();
});

async function killChild(): Promise<void> {
  const running = child;
  child = undefined;
  if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
  const exited = new Promise((resolve) => running.once('exit', resolve));
  running.kill('SIGKILL');
  await exited;
}

function names() {
  const unique = randomBytes(4).toString('hex');
  return { queueName: `killed-${unique}`, prefix: `test-${unique}` };
}

function open(where: ReturnType<typeof names>): BullJobQueue {
  const queue = new BullJobQueue({ url: server.url, ...where, ...SHORT_LOCKS, logger });
  queues.push(queue);
  return queue;
}

/** A read-only look at the jobs through bullmq itself. */
function inspector(where: ReturnType<typeof names>): Queue {
  const queue = new Queue(where.queueName, { connection: { url: server.url }, prefix: where.prefix });
  inspectors.push(queue);
  return queue;
}

/** The JSON lines the child worker wrote so far. */
function childMessages(): Array<Record<string, unknown>> {
  return childOutput.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('BullJobQueue when a worker goes away mid-job', () => {
  it('runs the job of a worker killed with SIGKILL to completion on another worker, once', async () => {
    const where = names();
    childOutput = '';
    child = spawn(process.execPath, ['--import', 'tsx', CHILD, server.url, where.queueName, where.prefix], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => void (childOutput += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => void (childOutput += chunk.toString()));
    await waitFor(() => childMessages().some((m) => m.ready === true), `the child worker to start (output: ${childOutput})`, 60_000);

    const producer = open(where);
    expect(await producer.add('block', { n: 1 }, { dedupeKey: 'only-once' })).toBe(true);
    await waitFor(() => childMessages().some((m) => m.started !== undefined), 'the child to start the job');
    const started = childMessages().find((m) => m.started !== undefined);
    const killedContext = started?.started as JobContext;
    expect(killedContext).toEqual({ id: expect.any(String), name: 'block', attempt: 1 });
    expect(started?.payload).toEqual({ n: 1 });

    await killChild();
    // Nobody runs it now, but it is still active (its lock has not lapsed) and holds its key.
    expect(await producer.counts()).toMatchObject({ active: 1, waiting: 0 });
    expect(await producer.add('block', { n: 2 }, { dedupeKey: 'only-once' })).toBe(false);

    const runs: Array<{ context: JobContext; payload: unknown; stalls: { attemptsStarted: number; attemptsMade: number; stalledCounter: number } }> = [];
    const completed: string[] = [];
    const look = inspector(where);
    const rescuer = open(where);
    await rescuer.process({
      block: async (payload, context) => {
        const job = await look.getJob(context.id);
        runs.push({
          context,
          payload,
          stalls: { attemptsStarted: job?.attemptsStarted ?? -1, attemptsMade: job?.attemptsMade ?? -1, stalledCounter: job?.stalledCounter ?? -1 },
        });
      },
    }, { concurrency: 1, events: { completed: (name) => void completed.push(name) } });

    await waitFor(() => completed.length === 1, 'the other worker to complete the job');
    // Long enough for a duplicate to show up: several stalled checks and lock lifetimes.
    await sleep(2500);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.context).toEqual({ ...killedContext, attempt: 1 });
    expect(runs[0]?.payload).toEqual({ n: 1 });
    // Started twice, stalled once, and the stall did not use up an attempt.
    expect(runs[0]?.stalls).toEqual({ attemptsStarted: 2, attemptsMade: 0, stalledCounter: 1 });
    expect(completed).toEqual(['block']);
    expect(await producer.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    expect(await producer.recentFailures(10)).toEqual([]);

    // Completed, so the key is free again.
    expect(await producer.add('block', { n: 3 }, { dedupeKey: 'only-once' })).toBe(true);
    await waitFor(() => runs.length === 2, 'the key to run again');
    expect(runs[1]?.payload).toEqual({ n: 3 });
  });

  it('gives a job cut off by close(grace) to another worker once its lock lapses', async () => {
    const where = names();
    const release = deferred();
    const cutContexts: JobContext[] = [];
    const cut = open(where);
    try {
      await cut.process({
        slow: async (_payload, context) => {
          cutContexts.push(context);
          await release.promise;
        },
      }, { concurrency: 1 });
      await cut.add('slow', { n: 1 });
      await waitFor(() => cutContexts.length === 1, 'the first worker to start the job');
      await cut.close(200);
      expect(warnings.some((w) => w.includes('after the grace period'))).toBe(true);

      const runs: JobContext[] = [];
      const rescuer = open(where);
      await rescuer.process({ slow: async (_payload, context) => void runs.push(context) }, { concurrency: 1 });
      await waitFor(() => runs.length === 1, 'the other worker to run the job');
      expect(runs[0]).toEqual({ ...cutContexts[0], attempt: 1 });
      await waitFor(async () => (await rescuer.counts()).active === 0, 'the job to complete');
      expect(await rescuer.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    } finally {
      release.resolve();
    }
  });
});
