import { desc, lt } from 'drizzle-orm';
import type { AuditEventRow, NewAuditEvent } from '../account-store.js';
import type { Database } from '../database.js';
import { auditEvents } from '../schema.js';

export async function recordAudit(db: Database, event: NewAuditEvent): Promise<AuditEventRow> {
  const rows = await db.insert(auditEvents).values(event).returning();
  const row = rows[0];
  if (row === undefined) throw new Error(`insert of audit event ${event.action} returned no row`);
  return row;
}

/** Newest first by id (ids grow with insertion order); `beforeId` continues below the last page. */
export async function listAudit(db: Database, page: { limit: number; beforeId?: number }): Promise<AuditEventRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(page.beforeId === undefined ? undefined : lt(auditEvents.id, page.beforeId))
    .orderBy(desc(auditEvents.id))
    .limit(page.limit);
}
