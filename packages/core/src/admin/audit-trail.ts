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
    await this.accounts.recordAudit({ actor: typeof actor === 'string' ? actor : accountName(actor), action, target, before, after, ...scopeOfTarget(target) });
  }

  /**
   * Newest first; `?limit=` (1–1000, default 100) and `?before=<id>` to page back; `?project=`,
   * `?repository=`, `?action=` and `?account=` (or `?actor=`) keep only the events matching each
   * one given; `?target=` those whose target contains the text.
   */
  async list(principal: Principal, query: unknown): Promise<{ events: AuditEventView[] }> {
    requireSystemAdmin(principal);
    const { limit, before, project, repository, action, account, actor: actorAlias, target } = parseInput(auditQuerySchema, query);
    const actor = account ?? actorAlias;
    const rows = await this.accounts.listAudit({
      limit,
      ...(before !== undefined ? { beforeId: before } : {}),
      ...(project !== undefined ? { project } : {}),
      ...(repository !== undefined ? { repository } : {}),
      ...(action !== undefined ? { action } : {}),
      ...(actor !== undefined ? { actor } : {}),
      ...(target !== undefined ? { target } : {}),
    });
    return { events: rows.map(auditEventView) };
  }
}

/**
 * The project (and repository) an admin change concerns, from its target: `project:<p>`,
 * `member:<p>/<user>`, `robot:robot$<p>+<name>`, `repository:<p>/<repo>` (migration 0005 fills in
 * older rows by the same rules).
 */
export function scopeOfTarget(target: string): { project?: string; repository?: string } {
  const colon = target.indexOf(':');
  const [kind, rest] = [target.slice(0, colon), target.slice(colon + 1)];
  if (kind === 'project') return { project: rest };
  if (kind === 'member') return { project: rest.split('/')[0] ?? rest };
  if (kind === 'robot' && rest.startsWith('robot$')) return { project: rest.slice('robot$'.length).split('+')[0] ?? rest };
  if (kind === 'repository') return { project: rest.split('/')[0] ?? rest, repository: rest };
  return {};
}
