import { hashSecret, isSystemAdmin, type Principal } from '@berth/auth';
import { AlreadyExistsError, type UserPatch, type UserRow } from '@berth/db';
import { requireCaller, requireSystemAdmin, type Caller } from './admin-access.js';
import type { AdminDeps } from './admin-deps.js';
import { AdminError, parseInput } from './admin-errors.js';
import { userCreateSchema, userPatchSchema } from './admin-schemas.js';
import { userView, type MeView, type UnlockResult, type UserDetail, type UserView } from './admin-views.js';
import type { AuditTrail } from './audit-trail.js';

/**
 * Users: managed by system administrators; anyone may change their own password. Nobody can lock
 * the installation out of administration: the bootstrapped administrator (and any caller acting on
 * themself) cannot be deleted, disabled or lose the admin flag.
 */
export class UserAdmin {
  constructor(
    private readonly deps: AdminDeps,
    private readonly audit: AuditTrail,
  ) {}

  async list(principal: Principal): Promise<{ users: UserView[] }> {
    requireSystemAdmin(principal);
    return { users: (await this.deps.metadata.accounts.listUsers()).map(userView) };
  }

  async get(principal: Principal, name: string): Promise<UserDetail> {
    requireSystemAdmin(principal);
    const user = await this.user(name);
    const memberships = await this.deps.metadata.accounts.listUserMemberships(user.id);
    return { ...userView(user), memberships: memberships.map((m) => ({ project: m.projectName, role: m.role })) };
  }

  async create(principal: Principal, body: unknown): Promise<UserView> {
    const caller = requireSystemAdmin(principal);
    const input = parseInput(userCreateSchema, body);
    let row: UserRow;
    try {
      row = await this.deps.metadata.accounts.createUser({ name: input.name, passwordHash: await hashSecret(input.password), admin: input.admin });
    } catch (error) {
      if (error instanceof AlreadyExistsError) throw new AdminError('CONFLICT', `user ${input.name} already exists`, { user: input.name });
      throw error;
    }
    const view = userView(row);
    await this.audit.record(caller, 'user.create', `user:${row.name}`, null, view);
    return view;
  }

  /** System admins change anything; a user may send `{ password }` for themself. */
  async update(principal: Principal, name: string, body: unknown): Promise<UserView> {
    const caller = requireCaller(principal);
    const ownPassword = caller.kind === 'user' && caller.name === name && isOnlyPassword(body);
    if (!ownPassword && !isSystemAdmin(caller)) {
      throw new AdminError('DENIED', caller.kind === 'user' && caller.name === name ? 'you may change only your own password' : 'only a system administrator may do this');
    }
    const input = parseInput(userPatchSchema, body);
    const before = await this.user(name);
    if (input.admin === false || input.disabled === true) this.assertNotLockingOut(caller, before, input.admin === false ? 'remove the admin flag of' : 'disable');
    const patch: UserPatch = {};
    if (input.password !== undefined) patch.passwordHash = await hashSecret(input.password);
    if (input.admin !== undefined) patch.admin = input.admin;
    if (input.disabled !== undefined) patch.disabled = input.disabled;
    const row = await this.deps.metadata.accounts.updateUser(name, patch);
    if (row === null) throw notFound(name);
    const after = userView(row);
    await this.audit.record(caller, 'user.update', `user:${name}`, userView(before), input.password !== undefined ? { ...after, password: 'changed' } : after);
    return after;
  }

  async remove(principal: Principal, name: string): Promise<void> {
    const caller = requireSystemAdmin(principal);
    const before = await this.user(name);
    this.assertNotLockingOut(caller, before, 'delete');
    if (!(await this.deps.metadata.accounts.deleteUser(name))) throw notFound(name);
    await this.audit.record(caller, 'user.delete', `user:${name}`, userView(before), null);
  }

  /** Ends the user's failed-login locks from every client address (system administrators only). */
  async unlock(principal: Principal, name: string): Promise<UnlockResult> {
    const caller = requireSystemAdmin(principal);
    if ((await this.deps.metadata.accounts.countUserUnlock(name)) === null) throw notFound(name);
    const result = { account: name, ...(this.deps.logins?.unlockLogins(name) ?? { unlockedAddresses: 0 }) };
    await this.audit.record(caller, 'user.unlock', `user:${name}`, null, result);
    return result;
  }

  /** GET /me: who the caller is, as the policy sees them. */
  me(principal: Principal): MeView {
    const caller = requireCaller(principal);
    if (caller.kind === 'robot') {
      return { name: caller.name, kind: 'robot', admin: false, memberships: [], project: caller.project, permissions: [...caller.permissions] };
    }
    const memberships = [...caller.roles].map(([project, role]) => ({ project, role })).sort((a, b) => (a.project < b.project ? -1 : 1));
    return { name: caller.name, kind: 'user', admin: caller.admin, memberships };
  }

  private assertNotLockingOut(caller: Caller, target: UserRow, what: string): void {
    if (target.name === this.deps.bootstrapAdmin) throw new AdminError('CONFLICT', `cannot ${what} ${target.name}: it is the administrator bootstrapped from configuration`, { user: target.name });
    if (caller.kind === 'user' && caller.name === target.name) throw new AdminError('CONFLICT', `cannot ${what} your own account`, { user: target.name });
  }

  private async user(name: string): Promise<UserRow> {
    const user = await this.deps.metadata.accounts.getUser(name);
    if (user === null) throw notFound(name);
    return user;
  }
}

function isOnlyPassword(body: unknown): boolean {
  return typeof body === 'object' && body !== null && Object.keys(body).length === 1 && 'password' in body;
}

function notFound(name: string): AdminError {
  return new AdminError('NOT_FOUND', `user ${name} does not exist`, { user: name });
}
