import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { Database } from './database.js';

// Same relative path from packages/db/src (tests, tsx) and packages/db/dist (compiled).
export const defaultMigrationsFolder = fileURLToPath(new URL('../../../migrations/', import.meta.url));

// Where drizzle's migrator records what it applied (its defaults: schema "drizzle", table "__drizzle_migrations").
const MIGRATIONS_TABLE = 'drizzle.__drizzle_migrations';

interface Journal {
  entries: Array<{ tag: string; when: number }>;
}

/** The `when` of every migration in the folder's drizzle-kit journal. */
async function journalTimes(migrationsFolder: string): Promise<number[]> {
  const journal = JSON.parse(await readFile(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as Journal;
  return journal.entries.map((entry) => entry.when);
}

/** The rows of a raw query on either driver (node-postgres and PGlite both answer `{ rows }`). */
function rowsOf(result: unknown): Array<Record<string, unknown>> {
  const rows = (result as { rows?: unknown } | null)?.rows;
  return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
}

/**
 * How many migrations of the folder the database has not applied, by the migrator's own rule: a
 * migration is applied when its journal time is not newer than the last recorded one. A database
 * ahead of this code (a newer replica migrated it) has none pending.
 */
export function pendingMigrationsCounter(db: Database, migrationsFolder: string): () => Promise<number> {
  let times: Promise<number[]> | undefined;
  return async () => {
    // The journal ships with the code: read once (a failed read is retried on the next call).
    times ??= journalTimes(migrationsFolder).catch((error: unknown) => {
      times = undefined;
      throw error;
    });
    const all = await times;
    const table = rowsOf(await db.execute(sql`select to_regclass(${MIGRATIONS_TABLE}) is not null as present`));
    if (table[0]?.present !== true) return all.length;
    const last = rowsOf(await db.execute(sql`select max(created_at) as last from drizzle.__drizzle_migrations`))[0]?.last;
    if (last === null || last === undefined) return all.length;
    const applied = Number(last);
    return all.filter((when) => when > applied).length;
  };
}
