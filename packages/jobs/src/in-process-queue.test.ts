import { describe, it, expect, afterEach } from '@jest/globals';
import { InProcessJobQueue } from './in-process-queue.js';

// What only the in-process queue has; the shared semantics are in test/jobs/queue-contract.ts.

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const queues: InProcessJobQueue[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close(100)));
});
function queueWith(maxFailuresKept?: number): InProcessJobQueue {
  const queue = new InProcessJobQueue({ maxFailuresKept });
  queues.push(queue);
  return queue;
}

describe('InProcessJobQueue', () => {
  it('keeps only the most recent failures', async () => {
    const queue = queueWith(3);
    await queue.process({ fail: async (payload) => { throw new Error(`no ${String((payload as { n: number }).n)}`); } }, { concurrency: 1 });
    for (let n = 1; n <= 5; n++) await queue.add('fail', { n }, { attempts: 1 });
    await until(async () => (await queue.recentFailures(10)).some((f) => f.error === 'no 5'));
    expect((await queue.recentFailures(10)).map((f) => f.error)).toEqual(['no 5', 'no 4', 'no 3']);
    expect((await queue.counts()).failed).toBe(3);
  });

  it('hands each attempt a JSON copy of the payload, as a queue in Redis does', async () => {
    const queue = queueWith();
    const seen: unknown[] = [];
    const payload = { at: new Date(0), list: [1] };
    await queue.process({
      mutate: async (received, context) => {
        seen.push(JSON.parse(JSON.stringify(received)));
        (received as { list: number[] }).list.push(99);
        if (context.attempt === 1) throw new Error('again');
      },
    }, { concurrency: 1 });
    await queue.add('mutate', payload, { attempts: 2, backoffMs: 1 });
    payload.list.push(2);
    await until(() => seen.length === 2);
    expect(seen).toEqual([{ at: '1970-01-01T00:00:00.000Z', list: [1] }, { at: '1970-01-01T00:00:00.000Z', list: [1] }]);
  });

  it('refuses work after close, and drops pending jobs and retries', async () => {
    const queue = queueWith();
    let runs = 0;
    await queue.add('later', {}, { delayMs: 50 });
    await queue.close(100);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    await expect(queue.add('x', {})).rejects.toThrow(/closed/);
    await expect(queue.schedule('x', 10, {})).rejects.toThrow(/closed/);
    await expect(queue.process({ later: async () => void runs++ }, { concurrency: 1 })).rejects.toThrow(/closed/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runs).toBe(0);
  });

  it('refuses a second process() and bad intervals or concurrency', async () => {
    const queue = queueWith();
    await expect(queue.process({}, { concurrency: 0 })).rejects.toThrow(RangeError);
    await queue.process({}, { concurrency: 1 });
    await expect(queue.process({}, { concurrency: 1 })).rejects.toThrow(/already/);
    await expect(queue.schedule('x', 0, {})).rejects.toThrow(RangeError);
  });

  it('lets a schedule pile up at most one waiting run while no worker takes it', async () => {
    const queue = queueWith();
    await queue.schedule('tick', 10, { v: 1 });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await queue.counts()).toEqual({ waiting: 1, active: 0, delayed: 0, failed: 0 });
    const runs: unknown[] = [];
    await queue.process({ tick: async (payload) => void runs.push(payload) }, { concurrency: 1 });
    await until(() => runs.length >= 2);
    expect(runs[0]).toEqual({ v: 1 });
  });
});
