import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { schema } from './schema.js';

/**
 * A drizzle database over either driver (node-postgres or PGlite), or a transaction on one:
 * every query is written once against this type.
 */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
