import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const SPOOL_SUFFIX = '.spool';

/**
 * Create the spool directory and remove spool files a crash left behind. A spool file is only
 * ever reached through its fill's open handle, never by path, so even a file swept while still in
 * use (a second process sharing the directory) keeps working; it is just not left behind.
 * Returns how many files were removed.
 */
export async function prepareSpoolDir(directory: string): Promise<number> {
  await mkdir(directory, { recursive: true });
  let removed = 0;
  for (const name of await readdir(directory)) {
    if (!name.endsWith(SPOOL_SUFFIX)) continue;
    await rm(join(directory, name), { force: true });
    removed += 1;
  }
  return removed;
}

/** A fresh spool file path for one fill of `digest` (unique even for refills of the same digest). */
export function spoolPath(directory: string, digest: string): string {
  const [algorithm, hex = ''] = digest.split(':');
  return join(directory, `${algorithm}-${hex.slice(0, 16)}-${randomUUID()}${SPOOL_SUFFIX}`);
}
