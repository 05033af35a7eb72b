import { createHash } from 'node:crypto';
import {
  grantAccess,
  isValidUserName,
  parseRobotAccount,
  repositoryActions,
  robotAccountName,
  verifyAgainstDummy,
  verifySecret,
  type AccessClaim,
  type LoginThrottle,
  type Principal,
  type ProjectRole,
  type ProjectVisibility,
  type RepositoryAction,
  type Scope,
  type TokenSubject,
} from '@berth/auth';
import type { MetadataStore, RobotRow, UserRow } from '@berth/db';
import { projectOf } from '@berth/oci';
import { RegistryAudit } from '../audit/registry-audit.js';

/** Why a password login failed. `locked`: too many recent failures for this account. */
export class AuthenticationError extends Error {
  constructor(
    readonly reason: 'credentials' | 'locked',
    readonly retryAfterSeconds = 0,
  ) {
    super(reason === 'locked' ? `too many failed logins; retry in ${retryAfterSeconds} s` : 'invalid username or password');
    this.name = 'AuthenticationError';
  }
}

export interface AccessLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface AccessOptions {
  /** When false, anonymous callers get nothing, even on public projects. */
  anonymousPull: boolean;
  logger?: AccessLogger;
  now?: () => Date;
}

/**
 * Who a caller is (password logins, token subjects) and what they may do on a repository. The
 * decisions themselves are @berth/auth's pure policy; this class feeds it accounts and projects.
 */
/**
 * Project visibility is read on every anonymous or password-authenticated request; remembering it
 * briefly keeps those off the database. A change made on another replica shows within this time.
 */
const VISIBILITY_CACHE_MS = 5_000;
const VISIBILITY_CACHE_ENTRIES = 10_000;
/** How long a verified password is trusted without hashing again; a disabled account is refused after this. */
const LOGIN_CACHE_MS = 10_000;
const LOGIN_CACHE_ENTRIES = 1_000;

export class AccessService {
  private readonly now: () => Date;
  private readonly visibilities = new Map<string, { value: ProjectVisibility | null; at: number }>();
  private readonly logins = new Map<string, { principal: Principal; until: number }>();
  private readonly audit: RegistryAudit;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly throttle: LoginThrottle,
    private readonly options: AccessOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.audit = new RegistryAudit(metadata.accounts);
  }

  /**
   * A user (`alice`) or robot (`robot$project+ci`) logging in from `clientAddress`; throws
   * AuthenticationError. Failures lock the account for that address only (see LoginThrottle). A
   * failed check is audited (`login.failed`, or `login.lockout` when it locked the account);
   * refusals while locked are only logged, so a locked account cannot be made to write a row per
   * request without paying for a password check.
   */
  async authenticatePassword(account: string, password: string, clientAddress: string): Promise<Principal> {
    const wait = this.throttle.retryAfterSeconds(account, clientAddress);
    if (wait > 0 && !(await this.unlockedSinceLocked(account, clientAddress))) {
      this.options.logger?.warn({ account, clientAddress, retryAfterSeconds: wait }, 'login refused: account locked after failed attempts');
      throw new AuthenticationError('locked', wait);
    }
    const principal = await this.checkPasswordRemembered(account, password);
    if (principal === null) {
      const { lockedForSeconds } = this.throttle.recordFailure(account, clientAddress);
      if (lockedForSeconds > 0) this.throttle.tagLock(account, clientAddress, await this.loginUnlocksOf(account));
      this.options.logger?.warn({ account, clientAddress, lockedForSeconds }, 'login failed');
      const actor = { account, address: clientAddress };
      if (lockedForSeconds > 0) await this.audit.loginEvent(actor, 'login.lockout', { lockedForSeconds });
      else await this.audit.loginEvent(actor, 'login.failed', {});
      throw new AuthenticationError('credentials');
    }
    this.throttle.recordSuccess(account, clientAddress);
    return principal;
  }

  /**
   * An administrator's unlock, after it was counted on the account (`countUserUnlock`,
   * `countRobotUnlock`): this process forgets the account's failed logins for every address at
   * once; other processes let their locks go at the account's next attempt.
   */
  unlockLogins(account: string): { unlockedAddresses: number } {
    return this.throttle.unlock(account);
  }

  /**
   * Locks are tagged with the account's count of unlocks when they begin; a count that moved on
   * since means an administrator unlocked the account (through any process): the lock is
   * forgotten. Costs one account read, only for attempts on a locked pair.
   */
  private async unlockedSinceLocked(account: string, clientAddress: string): Promise<boolean> {
    const tag = this.throttle.lockTag(account, clientAddress);
    if (tag === undefined || tag === (await this.loginUnlocksOf(account))) return false;
    this.throttle.forget(account, clientAddress);
    return true;
  }

  /** How many times the account was unlocked by administrators; null when there is no such account. */
  private async loginUnlocksOf(account: string): Promise<number | null> {
    const robot = parseRobotAccount(account);
    if (robot !== null) return (await this.metadata.accounts.getRobot(robot.project, robot.name))?.loginUnlocks ?? null;
    // A name no user can have is not looked up (a NUL cannot even be compared by the database).
    return isValidUserName(account) ? ((await this.metadata.accounts.getUser(account))?.loginUnlocks ?? null) : null;
  }

  /**
   * The current state of a token's subject; null when the account is gone, disabled or expired, or
   * when its credential stamp changed since the token was issued (new password or secret, disabled
   * at some point, deleted and re-created).
   */
  async principalForSubject(subject: TokenSubject, options: { stamp: 'required' | 'ignored' } = { stamp: 'required' }): Promise<Principal | null> {
    if (subject.kind === 'anonymous') return { kind: 'anonymous' };
    // A registry access token carries no credential stamp: it lives to its short expiry (see
    // docs/authentication.md). Its subject is looked up without one only to decide a challenge.
    const stampMatches = (stamp: string) => options.stamp === 'ignored' || (subject.credentialStamp !== undefined && stamp === subject.credentialStamp);
    if (subject.kind === 'robot') {
      const parsed = parseRobotAccount(subject.name);
      const row = parsed === null ? null : await this.metadata.accounts.getRobot(parsed.project, parsed.name);
      return row !== null && this.robotUsable(row) && stampMatches(row.credentialStamp) ? robotPrincipal(row) : null;
    }
    const user = await this.metadata.accounts.getUser(subject.name);
    return user !== null && !user.disabled && stampMatches(user.credentialStamp) ? this.userPrincipal(user) : null;
  }

  /** What the caller may do on a repository (by its project's visibility and the caller's rights). */
  async repositoryActions(principal: Principal, repositoryName: string): Promise<RepositoryAction[]> {
    return repositoryActions(principal, await this.projectAsSeenBy(principal, projectOf(repositoryName)));
  }

  /** The access claim for a token: each requested scope narrowed to what the caller may do. */
  async grant(principal: Principal, scopes: readonly Scope[]): Promise<AccessClaim[]> {
    const claims: AccessClaim[] = [];
    for (const scope of scopes) {
      const project = scope.type === 'registry' ? null : await this.projectAsSeenBy(principal, projectOf(scope.name));
      claims.push(grantAccess(principal, scope, project));
    }
    return claims;
  }

  /** Forget cached project visibility and logins (after an admin change in this process). */
  forgetCached(): void {
    this.visibilities.clear();
    this.logins.clear();
  }

  /** The project for the policy; with anonymous pull off, anonymous callers see no project at all (so get nothing). */
  private async projectAsSeenBy(principal: Principal, projectName: string): Promise<ProjectVisibility | null> {
    if (principal.kind === 'anonymous' && !this.options.anonymousPull) return null;
    return this.visibility(projectName);
  }

  private async visibility(projectName: string): Promise<ProjectVisibility | null> {
    const now = this.now().getTime();
    const cached = this.visibilities.get(projectName);
    if (cached !== undefined && now - cached.at < VISIBILITY_CACHE_MS) return cached.value;
    const row = await this.metadata.getProject(projectName);
    const value = row === null ? null : { name: row.name, public: row.public };
    if (this.visibilities.size >= VISIBILITY_CACHE_ENTRIES) this.visibilities.clear();
    this.visibilities.set(projectName, { value, at: now });
    return value;
  }

  /**
   * A slow hash per request would make Basic-authenticated API calls cost ~100 ms each, so a
   * successful check is remembered briefly (keyed by a hash of account and password; failures never).
   */
  private async checkPasswordRemembered(account: string, password: string): Promise<Principal | null> {
    const key = createHash('sha256').update(account).update('\0').update(password).digest('base64');
    const now = this.now().getTime();
    const remembered = this.logins.get(key);
    if (remembered !== undefined && now < remembered.until) return remembered.principal;
    const checked = await this.checkPassword(account, password);
    if (checked === null) return null;
    if (this.logins.size >= LOGIN_CACHE_ENTRIES) this.logins.clear();
    // Never trusted past a robot's expiry.
    this.logins.set(key, { principal: checked.principal, until: Math.min(now + LOGIN_CACHE_MS, checked.expiresAt?.getTime() ?? Infinity) });
    return checked.principal;
  }

  private async checkPassword(account: string, password: string): Promise<{ principal: Principal; expiresAt?: Date } | null> {
    // No stored password holds a NUL (the admin API refuses them), and scrypt would take `pw\0` for
    // `pw` (HMAC pads its key with zeros), so a password with a NUL is simply wrong. Like a name no
    // account can have, it is refused without hashing: that reveals nothing about any account.
    if (password.includes('\u0000')) return null;
    const robot = parseRobotAccount(account);
    if (robot !== null) {
      const row = await this.metadata.accounts.getRobot(robot.project, robot.name);
      if (row === null) return verifyAgainstDummy(password).then(() => null);
      const valid = await verifySecret(password, row.secretHash);
      if (!valid || !this.robotUsable(row)) return null;
      return { principal: robotPrincipal(row), ...(row.expiresAt !== null ? { expiresAt: row.expiresAt } : {}) };
    }
    // A name no user can have (a NUL, upper case, a bad robot name) is not looked up (the database
    // could not even compare some of them) nor hashed: the grammar is public, so a quick answer
    // tells nothing, and garbage credentials cost no scrypt.
    if (!isValidUserName(account)) return null;
    const user = await this.metadata.accounts.getUser(account);
    if (user === null) return verifyAgainstDummy(password).then(() => null);
    const valid = await verifySecret(password, user.passwordHash);
    return valid && !user.disabled ? { principal: await this.userPrincipal(user) } : null;
  }

  private robotUsable(row: RobotRow): boolean {
    return !row.disabled && (row.expiresAt === null || row.expiresAt > this.now());
  }

  private async userPrincipal(user: UserRow): Promise<Principal> {
    const memberships = await this.metadata.accounts.listUserMemberships(user.id);
    const roles = new Map<string, ProjectRole>(memberships.map((m) => [m.projectName, m.role]));
    return { kind: 'user', id: user.id, name: user.name, admin: user.admin, roles, credentialStamp: user.credentialStamp };
  }
}

function robotPrincipal(row: RobotRow): Principal {
  return {
    kind: 'robot',
    id: row.id,
    name: robotAccountName(row.projectName, row.name),
    project: row.projectName,
    permissions: row.permissions,
    credentialStamp: row.credentialStamp,
  };
}
