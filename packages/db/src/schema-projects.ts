import { sql } from 'drizzle-orm';
import { boolean, check, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { byteOrderedText, createdAt, updatedAt } from './column-types.js';

// Its own module because both the content tables (schema.ts) and the account tables
// (schema-accounts.ts) reference it, and schema.ts gathers both: no import cycle.
export const projects = pgTable(
  'projects',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: byteOrderedText('name').notNull().unique(),
    kind: text('kind').$type<'hosted' | 'proxy'>().notNull(),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    /** Anonymous pull allowed when authentication is on. */
    public: boolean('public').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** Moved forward (never back) by recordProjectPull; callers throttle the writes. */
    lastPulledAt: timestamp('last_pulled_at', { withTimezone: true, mode: 'date' }),
    /** Who owns the settings: `configuration` (declared there, applied at start) or `api` (the admin API). */
    managedBy: text('managed_by').$type<'api' | 'configuration'>().notNull().default('api'),
  },
  (t) => [
    check('projects_kind_check', sql`${t.kind} in ('hosted', 'proxy')`),
    check('projects_managed_by_check', sql`${t.managedBy} in ('api', 'configuration')`),
  ],
);
