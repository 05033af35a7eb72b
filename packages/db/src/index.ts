export type * from './metadata-store.js';
export * from './account-store.js';
export type { Database } from './database.js';
export { openDatabase, type OpenDatabaseOptions } from './open-database.js';
export { DataDirInUseError } from './data-dir-lock.js';
export { defaultMigrationsFolder } from './migration-status.js';
export { createDrizzleMetadataStore, drizzleDatabaseOf } from './drizzle-metadata-store.js';
export * from './schema.js';
export { DatabaseUnavailableError, isDatabaseUnavailable } from './unavailable.js';
