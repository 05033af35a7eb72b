import type { AccountStore } from '@berth/db';
import { projectOf } from '@berth/oci';

/**
 * Who made a registry request: the account name (`alice`, `robot$library+ci`, or `anonymous`) and
 * the client address as the server saw it (`req.ip`: the X-Forwarded-For client with
 * server.trustProxy, else the peer).
 */
export interface Actor {
  account: string;
  address?: string;
}

/** The account name of a caller without credentials. */
export const ANONYMOUS_ACCOUNT = 'anonymous';

/** Account names are attacker-chosen on a failed login; a row keeps at most this much of one. */
const MAX_ACCOUNT_LENGTH = 256;

/**
 * A name as a row can hold it: at most MAX_ACCOUNT_LENGTH characters, control characters (a NUL,
 * which PostgreSQL text cannot store, among them) shown as U+FFFD. Failed logins try any name.
 */
function storableName(name: string): string {
  return name.slice(0, MAX_ACCOUNT_LENGTH).replace(/[\u0000-\u001f\u007f]/g, '\ufffd');
}

/**
 * Audit rows for what happens on the registry API (pushes, deletes, projects created by a push,
 * failed logins): one insert each, never for reads. Admin API changes go through AuditTrail.
 */
export class RegistryAudit {
  constructor(private readonly accounts: AccountStore) {}

  /** A change to a repository (`repository` is its full name; the project is its first component). */
  async repositoryEvent(actor: Actor, action: string, repository: string, target: string, after: Record<string, unknown>): Promise<void> {
    await this.write(actor, action, target, { project: projectOf(repository), repository }, after);
  }

  /** A project created as a side effect (a first push into an unknown project). */
  async projectEvent(actor: Actor, action: string, project: string, after: Record<string, unknown>): Promise<void> {
    await this.write(actor, action, `project:${project}`, { project }, after);
  }

  /** A login that failed or locked the account; the account is the name that was tried. */
  async loginEvent(actor: Actor, action: 'login.failed' | 'login.lockout', after: Record<string, unknown>): Promise<void> {
    await this.write(actor, action, `account:${storableName(actor.account)}`, {}, after);
  }

  private async write(actor: Actor, action: string, target: string, scope: { project?: string; repository?: string }, after: Record<string, unknown>): Promise<void> {
    await this.accounts.recordAudit({
      actor: storableName(actor.account),
      action,
      target,
      before: null,
      after,
      clientAddress: actor.address ?? null,
      project: scope.project ?? null,
      repository: scope.repository ?? null,
    });
  }
}
