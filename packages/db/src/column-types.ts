import { customType, timestamp } from 'drizzle-orm/pg-core';

/**
 * `bytea` that always yields a plain Uint8Array: node-postgres returns a Buffer (a Uint8Array
 * subclass, sometimes a view into a shared pool slab), PGlite returns a Uint8Array.
 */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType() {
    return 'bytea';
  },
  toDriver(value: Uint8Array): Uint8Array {
    return value;
  },
  fromDriver(value: Uint8Array): Uint8Array {
    if (value.constructor === Uint8Array) return value;
    // Copy so callers never hold a view into a driver-owned buffer.
    return new Uint8Array(value);
  },
});

/**
 * `text` compared byte-wise (COLLATE "C"), so ORDER BY and `>` paging give the same lexical order
 * on every server whatever the database's default locale, and the btree indexes serve them.
 */
export const byteOrderedText = customType<{ data: string; driverData: string }>({
  dataType() {
    return 'text COLLATE "C"';
  },
});

/** `created_at timestamptz not null default now()`. */
export const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/** `updated_at timestamptz not null default now()`; writers set it to now() on every change. */
export const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
