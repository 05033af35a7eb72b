import { describe, expect, it } from '@jest/globals';
import { ProjectPulls } from './project-pulls.js';

describe('ProjectPulls', () => {
  it('writes the first pull of a project in each minute, per project', async () => {
    const writes: Array<[number, number]> = [];
    let now = 1_000_000;
    const pulls = new ProjectPulls({ recordProjectPull: async (id, at) => void writes.push([id, at.getTime()]) }, () => now);
    pulls.record(1);
    pulls.record(1);
    pulls.record(2);
    now += 59_999;
    pulls.record(1);
    now += 1;
    pulls.record(1);
    await Promise.resolve();
    expect(writes).toEqual([[1, 1_000_000], [2, 1_000_000], [1, 1_060_000]]);
  });

  it('tries again on the next pull after a failed write', async () => {
    let calls = 0;
    const pulls = new ProjectPulls({ recordProjectPull: async () => { calls += 1; throw new Error('database down'); } }, () => 5);
    pulls.record(7);
    await new Promise((resolve) => setImmediate(resolve));
    pulls.record(7);
    expect(calls).toBe(2);
  });
});
