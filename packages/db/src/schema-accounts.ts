import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import type { MemberRole, RobotPermission } from './account-store.js';
import { byteOrderedText, createdAt, updatedAt } from './column-types.js';
import { projects } from './schema-projects.js';

/**
 * A random value per account, written into its refresh tokens and admin bearer tokens and
 * replaced when its password or secret changes or it is disabled: older tokens then no longer
 * match. Random rather than a counter, so a deleted account re-created under the same name does
 * not inherit the old one's tokens.
 */
const credentialStamp = () => text('credential_stamp').notNull().default(sql`gen_random_uuid()::text`);
/**
 * Counts administrators' unlocks of the account's failed-login locks. Locks live in each
 * process's memory; a process that holds a lock from before the count changed lets it go.
 */
const loginUnlocks = () => integer('login_unlocks').notNull().default(0);

export const users = pgTable('users', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  name: byteOrderedText('name').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  admin: boolean('admin').notNull().default(false),
  disabled: boolean('disabled').notNull().default(false),
  credentialStamp: credentialStamp(),
  loginUnlocks: loginUnlocks(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const projectMembers = pgTable(
  'project_members',
  {
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').$type<MemberRole>().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId] }),
    // "Which projects may this user see" is asked on every authenticated request.
    index('project_members_user_idx').on(t.userId),
    check('project_members_role_check', sql`${t.role} in ('guest', 'developer', 'maintainer', 'admin')`),
  ],
);

export const robots = pgTable(
  'robots',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: byteOrderedText('name').notNull(),
    description: text('description').notNull().default(''),
    secretHash: text('secret_hash').notNull(),
    permissions: text('permissions').array().$type<RobotPermission[]>().notNull(),
    /** Null: never expires. */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    disabled: boolean('disabled').notNull().default(false),
    credentialStamp: credentialStamp(),
    loginUnlocks: loginUnlocks(),
    createdAt: createdAt(),
  },
  (t) => [
    unique('robots_project_name_unique').on(t.projectId, t.name),
    check('robots_permissions_check', sql`${t.permissions} <@ array['pull', 'push', 'delete']::text[]`),
  ],
);

/** Append-only; newest-first paging walks the primary key backwards. */
export const auditEvents = pgTable('audit_events', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  target: text('target').notNull(),
  before: jsonb('before').$type<Record<string, unknown>>(),
  after: jsonb('after').$type<Record<string, unknown>>(),
});

/**
 * The installation's one token signing key. The fixed `id` makes it a singleton: replicas starting
 * together each insert their own candidate, exactly one insert wins, and all read back that row.
 */
export const signingKeys = pgTable(
  'signing_keys',
  {
    id: smallint('id').primaryKey().default(1),
    kid: text('kid').notNull(),
    privateJwk: text('private_jwk').notNull(),
    createdAt: createdAt(),
  },
  (t) => [check('signing_keys_singleton_check', sql`${t.id} = 1`)],
);
