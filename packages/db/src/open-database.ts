import { mkdir } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { createDrizzleMetadataStore } from './drizzle-metadata-store.js';
import type { MetadataStore } from './metadata-store.js';
import { defaultMigrationsFolder } from './migration-status.js';
import { schema } from './schema.js';

export interface OpenDatabaseOptions {
  /** postgres://... : use a node-postgres pool. Takes precedence over dataDir. */
  url?: string;
  /** PGlite data directory (created if absent); without url and dataDir, PGlite runs in memory. */
  dataDir?: string;
  /** Maximum pool connections (Postgres only); pg's default (10) when absent. */
  poolSize?: number;
  /** Folder of drizzle-kit migrations; defaults to the repository's `migrations/`. */
  migrationsFolder?: string;
  /** Errors of idle pooled connections (e.g. a server restart); they are otherwise written to stderr. */
  onConnectionError?: (error: Error) => void;
}

/**
 * How long a request waits for a new connection to the server. Without a bound (pg's default), a
 * server behind a dropped network would hold every request until the kernel gives up (minutes);
 * with it they fail as DatabaseUnavailableError and are answered 503.
 */
const CONNECT_TIMEOUT_MS = 5_000;

// Serializes migrations of replicas starting at the same time against one Postgres database.
const migrationLockKey = 0x6265727468; // "berth"

/** Open the metadata store on Postgres (url) or PGlite, with every migration applied. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<MetadataStore> {
  const migrationsFolder = options.migrationsFolder ?? defaultMigrationsFolder;
  if (options.url !== undefined) return openPostgres(options.url, migrationsFolder, options);
  return openPglite(options.dataDir, migrationsFolder);
}

async function openPostgres(url: string, migrationsFolder: string, options: OpenDatabaseOptions): Promise<MetadataStore> {
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(options.poolSize !== undefined ? { max: options.poolSize } : {}),
  });
  pool.on('error', options.onConnectionError ?? ((error) => console.error('postgres idle connection error:', error)));
  // The pool listens for errors of idle connections only. A connection the server ends while it is
  // checked out between two queries (a transaction's JS step when the server shuts down) emits
  // 'error' with no listener, which would end the process. The next query on it fails with the
  // reason instead (DatabaseUnavailableError), and the pool drops it when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [migrationLockKey]);
      try {
        await migrateNodePg(drizzleNodePg({ client, schema }), { migrationsFolder });
      } finally {
        await client.query('select pg_advisory_unlock($1)', [migrationLockKey]);
      }
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  const db = drizzleNodePg({ client: pool, schema });
  return createDrizzleMetadataStore(db, () => pool.end(), { migrationsFolder });
}

async function openPglite(dataDir: string | undefined, migrationsFolder: string): Promise<MetadataStore> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  // PGlite keeps Postgres's buffers inside its WebAssembly heap, which never shrinks, so every buffer
  // page touched stays resident. Metadata rows are small and the OS page cache sits behind the files,
  // so small buffers cost little: measured idle RSS of the PGlite instance, 16 MB of shared buffers
  // ~181-197 MB, 4 MB ~160 MB (Node 20).
  const options = { postgresqlconf: ['shared_buffers=4MB', 'wal_buffers=256kB', 'temp_buffers=1MB'] };
  const client = await compiledWithLiftoffOnly(() => PGlite.create(dataDir !== undefined ? { ...options, dataDir } : options));
  try {
    const db = drizzlePglite({ client, schema });
    await migratePglite(db, { migrationsFolder });
    return createDrizzleMetadataStore(db, () => client.close(), { migrationsFolder });
  } catch (error) {
    await client.close();
    throw error;
  }
}

/**
 * Compile PGlite's Postgres with V8's baseline WebAssembly compiler only. By default V8 also
 * recompiles hot functions with its optimizing compiler, which keeps a second copy of much of
 * Postgres's code resident: measured idle RSS of an embedded Berth in the pull-through bench,
 * 228-265 MB with it and 166-174 MB without, with the 16-client wall times unchanged within noise
 * (metadata queries are not what a registry waits on). The flag is switched back off once PGlite
 * is up, for any WebAssembly compiled later; PGlite stays as compiled (measured: the same RSS).
 */
async function compiledWithLiftoffOnly<T>(create: () => Promise<T>): Promise<T> {
  setFlagsFromString('--liftoff-only');
  try {
    return await create();
  } finally {
    setFlagsFromString('--no-liftoff-only');
  }
}
