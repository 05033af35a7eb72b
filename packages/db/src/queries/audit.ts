import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { AuditEventRow, AuditQuery, NewAuditEvent } from '../account-store.js';
import type { Database } from '../database.js';
import { auditEvents } from '../schema.js';

export async function recordAudit(db: Database, event: NewAuditEvent): Promise<AuditEventRow> {
  const rows = await db.insert(auditEvents).values(event).returning();
  const row = rows[0];
  if (row === undefined) throw new Error(`insert of audit event ${event.action} returned no row`);
  return row;
}

/**
 * Newest first by id (ids grow with insertion order); `beforeId` continues below the last page.
 * Filters: `project`, `repository`, `action` and `actor` exactly, `target` as a substring.
 */
export async function listAudit(db: Database, query: AuditQuery): Promise<AuditEventRow[]> {
  const conditions: SQL[] = [];
  if (query.beforeId !== undefined) conditions.push(lt(auditEvents.id, query.beforeId));
  if (query.project !== undefined) conditions.push(eq(auditEvents.project, query.project));
  if (query.repository !== undefined) conditions.push(eq(auditEvents.repository, query.repository));
  if (query.action !== undefined) conditions.push(eq(auditEvents.action, query.action));
  if (query.actor !== undefined) conditions.push(eq(auditEvents.actor, query.actor));
  // A substring, found with strpos: no wildcards to escape.
  if (query.target !== undefined) conditions.push(sql`strpos(${auditEvents.target}, ${query.target}) > 0`);
  return db
    .select()
    .from(auditEvents)
    .where(conditions.length === 0 ? undefined : and(...conditions))
    .orderBy(desc(auditEvents.id))
    .limit(query.limit);
}
