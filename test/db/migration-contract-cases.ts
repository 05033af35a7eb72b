import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, afterAll } from '@jest/globals';
import { createDrizzleMetadataStore, defaultMigrationsFolder, drizzleDatabaseOf, type MetadataStore } from '@berth/db';

interface Journal {
  entries: Array<{ idx: number; version: string; when: number; tag: string; breakpoints: boolean }>;
}

/** Migration status of the MetadataStore contract (what /readyz reports as `migrations`). */
export function registerMigrationCases(getStore: () => MetadataStore): void {
  describe('migrations', () => {
    const dirs: string[] = [];
    afterAll(async () => {
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    });

    /** A migrations folder whose journal is the repository's plus `extra` newer entries (the SQL is never read). */
    async function folderWithNewer(extra: number): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), 'berth-migrations-'));
      dirs.push(dir);
      const journal = JSON.parse(await readFile(join(defaultMigrationsFolder, 'meta', '_journal.json'), 'utf8')) as Journal;
      const last = journal.entries.at(-1);
      if (last === undefined) throw new Error('the repository has no migrations');
      for (let i = 1; i <= extra; i++) {
        journal.entries.push({ ...last, idx: last.idx + i, when: last.when + i * 1000, tag: `${9000 + i}_not_applied` });
      }
      await mkdir(join(dir, 'meta'));
      await writeFile(join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
      return dir;
    }

    /** The same database, compared with another migrations folder (closing it is left to the suite's store). */
    const withFolder = (store: MetadataStore, migrationsFolder: string) =>
      createDrizzleMetadataStore(drizzleDatabaseOf(store), async () => undefined, { migrationsFolder });

    it('a freshly opened store has no pending migrations', async () => {
      expect(await getStore().pendingMigrations()).toBe(0);
    });

    it('counts the journal entries newer than the last applied migration', async () => {
      const store = getStore();
      expect(await withFolder(store, await folderWithNewer(2)).pendingMigrations()).toBe(2);
      expect(await withFolder(store, await folderWithNewer(0)).pendingMigrations()).toBe(0);
    });

    it('fails when the journal cannot be read', async () => {
      const missing = join(tmpdir(), `berth-no-migrations-${process.pid}-${Date.now()}`);
      await expect(withFolder(getStore(), missing).pendingMigrations()).rejects.toThrow(/_journal\.json/);
    });
  });
}
