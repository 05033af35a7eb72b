import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

// Two processes on one PGlite directory both start, each with its own copy of the database in
// memory, and overwrite each other's files. Node has no flock(2), and npm's flock packages are
// native builds (which npm 11 does not run for dependencies by default), so the lock is a file
// holding the owner's pid, host and process start time, created atomically (link(2) of a complete
// file fails when the name exists). A lock whose owner is gone (killed with SIGKILL, machine
// restarted, pid reused by another program) is stale and taken over. The owner renews the file's
// modification time every `renewMs`: that is the only sign of life a lock written on another host
// gives (a directory shared over the network, a container recreated with a new hostname).

export const LOCK_FILE = 'berth.lock';
const RENEW_MS = 10_000;
/** A lock of another host not renewed for this long is stale. */
const OTHER_HOST_STALE_MS = 60_000;

interface LockOwner {
  pid: number;
  /** When the file was last renewed (its modification time); not written in the file. */
  renewedAt?: number;
  host: string;
  /** The owner's start time in clock ticks since boot (/proc/<pid>/stat), where known: tells a reused pid apart. */
  startTicks?: number;
  /** Distinguishes this lock from an earlier one of the same process. */
  token: string;
}

/** Thrown when another live process holds the directory. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly owner: { pid: number; host: string },
    lockFile: string,
  ) {
    // An owner on another host cannot be checked from here: say when its lock lapses.
    const gone = owner.host === hostname() ? '' : ` (if that process is gone, its lock lapses ${OTHER_HOST_STALE_MS / 1000} s after its last renewal, or remove ${lockFile})`;
    super(`the embedded database ${dir} is in use by another Berth process (pid ${owner.pid} on ${owner.host}); stop it, or give this process its own dataDir${gone}`);
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

// Directories this process holds: its own pid in a lock file is then a second open, not a stale lock.
const heldHere = new Set<string>();

/** Take the directory's lock or throw DataDirInUseError; the directory must exist. */
export async function lockDataDir(directory: string, options: { renewMs?: number } = {}): Promise<DataDirLock> {
  const dir = resolve(directory);
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
  const ticks = startTicks(process.pid);
  if (ticks !== undefined) me.startTicks = ticks;
  const draft = `${path}.${me.token}`;
  await writeFile(draft, `${JSON.stringify(me)}\n`);
  try {
    // A few rounds: each either takes the lock, refuses, or removes one stale lock.
    for (let round = 0; round < 5; round++) {
      try {
        await link(draft, path);
        heldHere.add(dir);
        const renewal = setInterval(() => {
          const now = new Date();
          utimes(path, now, now).catch(() => undefined);
        }, options.renewMs ?? RENEW_MS);
        renewal.unref();
        return {
          release: () => {
            clearInterval(renewal);
            return release(dir, path, me.token);
          },
        };
      } catch (error) {
        if (!isCode(error, 'EEXIST')) throw error;
      }
      const owner = await readOwner(path);
      if (owner === undefined) continue; // removed meanwhile
      if (isAlive(owner, dir)) throw new DataDirInUseError(dir, owner, path);
      await removeStale(path, owner);
    }
    throw new Error(`could not take the lock ${path}: it keeps changing`);
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

async function release(dir: string, path: string, token: string): Promise<void> {
  heldHere.delete(dir);
  const owner = await readOwner(path);
  if (owner?.token === token) await unlink(path).catch(() => undefined);
}

/**
 * Remove a stale lock, unless another process replaced it since we read it: it is moved aside
 * first (atomic), and put back when what was moved is not the lock we judged stale.
 */
async function removeStale(path: string, stale: LockOwner): Promise<void> {
  const aside = `${path}.stale.${randomBytes(8).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return;
    throw error;
  }
  const moved = await readOwner(aside);
  if (moved !== undefined && moved.token !== stale.token) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  let text: string;
  let renewedAt: number;
  try {
    renewedAt = (await stat(path)).mtimeMs;
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.token === 'string') return { ...(parsed as LockOwner), renewedAt };
  } catch {
    // unreadable: treated like a lock of no process
  }
  return { pid: 0, host: 'unknown', token: text };
}

/**
 * Whether the lock's owner still runs. An owner on another host cannot be asked: it counts as
 * alive while it renews the lock.
 */
function isAlive(owner: LockOwner, dir: string): boolean {
  if (owner.pid <= 0) return false;
  if (owner.host !== hostname()) return owner.renewedAt === undefined || Date.now() - owner.renewedAt < OTHER_HOST_STALE_MS;
  if (owner.pid === process.pid) return heldHere.has(dir);
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if (!isCode(error, 'EPERM')) return false; // ESRCH: no such process
  }
  const ticks = startTicks(owner.pid);
  return owner.startTicks === undefined || ticks === undefined || ticks === owner.startTicks;
}

/** Field 22 of /proc/<pid>/stat (Linux); undefined elsewhere. */
function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isCode(error: unknown, code: string): boolean {
  // Not `instanceof Error`: errors of node:fs may come from another realm (jest's vm modules).
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
