export type * from './metadata-store.js';
export * from './account-store.js';
export type { Database } from './database.js';
export { openDatabase, defaultMigrationsFolder, type OpenDatabaseOptions } from './open-database.js';
export { createDrizzleMetadataStore, drizzleDatabaseOf } from './drizzle-metadata-store.js';
export * from './schema.js';
