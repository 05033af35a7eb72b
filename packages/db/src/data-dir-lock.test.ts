import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from './data-dir-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lockPath = () => join(dir, LOCK_FILE);
const writeLock = (owner: Record<string, unknown>) => writeFile(lockPath(), JSON.stringify({ token: 'earlier', ...owner }));

/** The pid of a process that has exited (and was reaped), so nothing runs under it for now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await once(child, 'exit');
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

describe('lockDataDir', () => {
  it('refuses a second lock while the first is held, naming the directory and the holder, and allows one after release', async () => {
    const first = await lockDataDir(dir);
    const refused = await lockDataDir(dir).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DataDirInUseError);
    expect((refused as Error).message).toBe(
      `the embedded database ${dir} is in use by another Berth process (pid ${process.pid} on ${hostname()}); stop it, or give this process its own dataDir`,
    );
    await first.release();
    expect(await readdir(dir)).toEqual([]);
    const second = await lockDataDir(dir);
    await second.release();
  });

  it('takes over the lock of a process that is gone, leaving no other file behind', async () => {
    await writeLock({ pid: await deadPid(), host: hostname() });
    const lock = await lockDataDir(dir);
    const owner = JSON.parse(await readFile(lockPath(), 'utf8')) as { pid: number };
    expect(owner.pid).toBe(process.pid);
    expect(await readdir(dir)).toEqual([LOCK_FILE]);
    await lock.release();
  });

  it('takes over a lock whose pid now belongs to another program (different start time)', async () => {
    // The parent of this test process is alive, but did not start at tick 1.
    await writeLock({ pid: process.ppid, host: hostname(), startTicks: 1 });
    const lock = await lockDataDir(dir);
    await lock.release();
  });

  it('takes over a lock naming this very pid when this process does not hold it (a restarted container reusing the pid)', async () => {
    await writeLock({ pid: process.pid, host: hostname() });
    const lock = await lockDataDir(dir);
    await lock.release();
  });

  it('refuses while the recorded process runs', async () => {
    await writeLock({ pid: process.ppid, host: hostname() });
    await expect(lockDataDir(dir)).rejects.toThrow(`(pid ${process.ppid} on ${hostname()})`);
    expect(JSON.parse(await readFile(lockPath(), 'utf8'))).toMatchObject({ pid: process.ppid, token: 'earlier' });
  });

  it('refuses a lock of another host while it is renewed, saying when it lapses', async () => {
    await writeLock({ pid: 1234, host: 'elsewhere' });
    await expect(lockDataDir(dir)).rejects.toThrow(
      `(pid 1234 on elsewhere); stop it, or give this process its own dataDir (if that process is gone, its lock lapses 60 s after its last renewal, or remove ${lockPath()})`,
    );
  });

  it('takes over a lock of another host that was not renewed for over a minute', async () => {
    await writeLock({ pid: 1234, host: 'elsewhere' });
    const lastRenewed = new Date(Date.now() - 61_000);
    await utimes(lockPath(), lastRenewed, lastRenewed);
    const lock = await lockDataDir(dir);
    await lock.release();
  });

  it('renews the lock while it is held', async () => {
    const lock = await lockDataDir(dir, { renewMs: 20 });
    const old = new Date(Date.now() - 3_600_000);
    await utimes(lockPath(), old, old);
    // Waits for the renewal itself (the test's timeout bounds it).
    while ((await stat(lockPath())).mtimeMs <= old.getTime()) await new Promise((resolve) => setTimeout(resolve, 10));
    await lock.release();
  });

  it('takes over an unreadable lock file', async () => {
    await writeFile(lockPath(), 'not json');
    const lock = await lockDataDir(dir);
    await lock.release();
  });

  it('release leaves a lock that is no longer its own alone', async () => {
    const lock = await lockDataDir(dir);
    await writeLock({ pid: 99, host: 'elsewhere', token: 'someone-else' });
    await lock.release();
    expect(JSON.parse(await readFile(lockPath(), 'utf8'))).toMatchObject({ token: 'someone-else' });
  });
});
