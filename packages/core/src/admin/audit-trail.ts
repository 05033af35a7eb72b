import { accountName, type Principal } from '@berth/auth';
import type { AccountStore } from '@berth/db';
import { requireSystemAdmin } from './admin-access.js';
import { parseInput } from './admin-errors.js';
import { auditQuerySchema } from './admin-schemas.js';
import { auditEventView, type AuditEventView } from './admin-views.js';

/** A snapshot of something as the API shows it (never a secret), or null when it did not / no longer exists. */
export type AuditSnapshot = Record<string, unknown> | null;

/**
 * Records every successful change through the admin API, and lists them for system administrators.
 * Every change passes through `record`, so it also tells the caller's caches (`afterChange`).
 */
export class AuditTrail {
  constructor(
    private readonly accounts: AccountStore,
    private readonly afterChange: () => void = () => undefined,
  ) {}

  /** `actor` is the caller, or a fixed name such as `config` for configuration-as-code. */
  async record(actor: Principal | string, action: string, target: string, before: AuditSnapshot, after: AuditSnapshot): Promise<void> {
    this.afterChange();
    await this.accounts.recordAudit({ actor: typeof actor === 'string' ? actor : accountName(actor), action, target, before, after });
  }

  /** Newest first; `?limit=` (1–1000, default 100), `?before=<id>` to page back, `actor`, `action`, `target` to filter. */
  async list(principal: Principal, query: unknown): Promise<{ events: AuditEventView[] }> {
    requireSystemAdmin(principal);
    const { limit, before, actor, action, target } = parseInput(auditQuerySchema, query);
    const rows = await this.accounts.listAudit({
      limit,
      ...(before !== undefined ? { beforeId: before } : {}),
      ...(actor !== undefined ? { actor } : {}),
      ...(action !== undefined ? { action } : {}),
      ...(target !== undefined ? { target } : {}),
    });
    return { events: rows.map(auditEventView) };
  }
}
