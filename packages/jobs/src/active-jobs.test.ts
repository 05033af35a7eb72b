import { describe, it, expect } from '@jest/globals';
import { ActiveJobs } from './active-jobs.js';

describe('ActiveJobs', () => {
  it('is idle at once with nothing running', async () => {
    expect(await new ActiveJobs().idle(0)).toBe(true);
  });

  it('waits for running jobs, failed ones included, up to the deadline', async () => {
    const jobs = new ActiveJobs();
    let finish!: () => void;
    const ok = jobs.run(() => new Promise<string>((resolve) => { finish = () => resolve('done'); }));
    const failing = jobs.run(async () => { throw new Error('boom'); });
    await expect(failing).rejects.toThrow('boom');
    expect(jobs.size).toBe(1);
    expect(await jobs.idle(30)).toBe(false);
    const idle = jobs.idle(10_000);
    finish();
    expect(await ok).toBe('done');
    expect(await idle).toBe(true);
    expect(jobs.size).toBe(0);
  });
});
