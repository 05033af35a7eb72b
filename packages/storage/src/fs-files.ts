import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * True when `error` is a Node system error with the given code (ENOENT, EEXIST, ...). Checked by
 * shape, not `instanceof Error`: errors from another realm (Jest's vm contexts) fail instanceof.
 */
export function hasErrorCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

/** Flush a file's (or directory's) data to disk. */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Move a finished, fsynced file to its final place in one rename (atomic on one filesystem),
 * then flush the directory entry so the rename itself survives a crash.
 */
export async function publishFile(from: string, to: string): Promise<void> {
  const directory = dirname(to);
  await mkdir(directory, { recursive: true });
  await rename(from, to);
  await fsyncPath(directory);
}

/**
 * Remove files in `directory` last modified more than `maxAgeMs` ago: the temp files of writes a
 * crash interrupted. Files still being written are touched continuously, so they are younger.
 */
export async function sweepOldFiles(directory: string, maxAgeMs: number, now = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names) {
    const path = join(directory, name);
    try {
      const info = await stat(path);
      if (info.isFile() && now - info.mtimeMs > maxAgeMs) {
        await rm(path, { force: true });
        removed += 1;
      }
    } catch (error) {
      if (!hasErrorCode(error, 'ENOENT')) throw error;
    }
  }
  return removed;
}
