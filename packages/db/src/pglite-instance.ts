import { setFlagsFromString } from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import { byteaParsers, byteaSerializers } from './pglite-bytea.js';

/** A PGlite instance on `dataDir` (created by initdb when it holds no database), or in memory. */
export function createPglite(dataDir: string | undefined): Promise<PGlite> {
  // PGlite keeps Postgres's buffers inside its WebAssembly heap, which never shrinks, so every buffer
  // page touched stays resident. Metadata rows are small and the OS page cache sits behind the files,
  // so small buffers cost little: measured idle RSS of the PGlite instance, 16 MB of shared buffers
  // ~181-197 MB, 4 MB ~160 MB (Node 20).
  const options = {
    postgresqlconf: ['shared_buffers=4MB', 'wal_buffers=256kB', 'temp_buffers=1MB'],
    serializers: byteaSerializers,
    parsers: byteaParsers,
  };
  return compiledWithLiftoffOnly(() => PGlite.create(dataDir !== undefined ? { ...options, dataDir } : options));
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
