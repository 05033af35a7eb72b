import { mkdir } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { createDrizzleMetadataStore } from './drizzle-metadata-store.js';
import type { MetadataStore } from './metadata-store.js';
import { defaultMigrationsFolder } from './migration-status.js';
import { createPglite } from './pglite-instance.js';
import { seedFromTemplate } from './pglite-template.js';
import { PostgresPool } from './postgres-pool.js';
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
  /** Postgres only: how long close() waits for connections still in use before it ends them (5 s by default). */
  closeGraceMs?: number;
  /** Postgres only: told how many connections still in use close() ended after its grace (to log it). */
  onConnectionsCut?: (count: number) => void;
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
  const pool = new PostgresPool({
    url,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    ...(options.poolSize !== undefined ? { max: options.poolSize } : {}),
    ...(options.closeGraceMs !== undefined ? { closeGraceMs: options.closeGraceMs } : {}),
    ...(options.onConnectionsCut !== undefined ? { onConnectionsCut: options.onConnectionsCut } : {}),
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
    await pool.close();
    throw error;
  }
  const db = drizzleNodePg({ client: pool, schema });
  return createDrizzleMetadataStore(db, () => pool.close(), { migrationsFolder });
}

async function openPglite(dataDir: string | undefined, migrationsFolder: string): Promise<MetadataStore> {
  let lock: DataDirLock | undefined;
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true });
    // One process per directory: a second PGlite on the same files would overwrite the first's.
    lock = await lockDataDir(dataDir);
  }
  let client: PGlite | undefined;
  const close = async () => {
    try {
      await client?.close();
    } finally {
      await lock?.release();
    }
  };
  try {
    // A first start copies the database initdb made at build time instead of running initdb.
    if (dataDir !== undefined) await seedFromTemplate(dataDir);
    client = await createPglite(dataDir);
    const db = drizzlePglite({ client, schema });
    await migratePglite(db, { migrationsFolder });
    return createDrizzleMetadataStore(db, close, { migrationsFolder });
  } catch (error) {
    await close();
    throw error;
  }
}
