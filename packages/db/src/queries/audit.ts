import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { AuditEventRow, AuditPage, NewAuditEvent } from '../account-store.js';
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
 * Filters: `actor` and `action` exactly, `target` as a substring (strpos: no wildcards to escape).
 */
export async function listAudit(db: Database, page: AuditPage): Promise<AuditEventRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(
      and(
        page.beforeId === undefined ? undefined : lt(auditEvents.id, page.beforeId),
        page.actor === undefined ? undefined : eq(auditEvents.actor, page.actor),
        page.action === undefined ? undefined : eq(auditEvents.action, page.action),
        page.target === undefined ? undefined : sql`strpos(${auditEvents.target}, ${page.target}) > 0`,
      ),
    )
    .orderBy(desc(auditEvents.id))
    .limit(page.limit);
}
