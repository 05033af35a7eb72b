/**
 * The accounts port: users, project memberships, robot accounts, audit events and the token
 * signing key. Implemented with drizzle over Postgres or PGlite; both pass one contract suite.
 * Secrets arrive here already hashed (or sealed); this layer never sees a clear password.
 */

export type MemberRole = 'guest' | 'developer' | 'maintainer' | 'admin';
export type RobotPermission = 'pull' | 'push' | 'delete';

export interface UserRow {
  id: number;
  name: string;
  /** Slow hash (scrypt), in the format of @berth/auth's hashSecret. */
  passwordHash: string;
  /** System administrator: every right on every project, users and audit. */
  admin: boolean;
  disabled: boolean;
  /** Replaced by every password change and every disabling; tokens carry the one they were issued under. */
  credentialStamp: string;
  /** How many times administrators unlocked the account's failed-login locks. */
  loginUnlocks: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  name: string;
  passwordHash: string;
  admin: boolean;
}

/** A new password hash, or `disabled: true`, also replaces the credential stamp (revoking tokens). */
export interface UserPatch {
  passwordHash?: string;
  admin?: boolean;
  disabled?: boolean;
}

export interface MembershipRow {
  projectId: number;
  projectName: string;
  userId: number;
  userName: string;
  role: MemberRole;
}

export interface RobotRow {
  id: number;
  projectId: number;
  projectName: string;
  /** Short name as created (`ci`); the account name is `robot$<project>+<name>`. */
  name: string;
  description: string;
  secretHash: string;
  permissions: RobotPermission[];
  /** Null: never expires. */
  expiresAt: Date | null;
  disabled: boolean;
  /** Replaced by every new secret and every disabling; tokens carry the one they were issued under. */
  credentialStamp: string;
  /** How many times administrators unlocked the robot's failed-login locks. */
  loginUnlocks: number;
  createdAt: Date;
}

export interface NewRobot {
  projectId: number;
  name: string;
  description: string;
  secretHash: string;
  permissions: RobotPermission[];
  expiresAt: Date | null;
}

/** A new secret hash, or `disabled: true`, also replaces the credential stamp (revoking tokens). */
export interface RobotPatch {
  description?: string;
  permissions?: RobotPermission[];
  expiresAt?: Date | null;
  disabled?: boolean;
  secretHash?: string;
}

/** Who changed what, when; `before`/`after` never contain secrets (callers strip them). */
export interface AuditEventRow {
  id: number;
  at: Date;
  /** Account name of the caller (`admin`, `robot$p+ci`), or `config` for configuration-as-code. */
  actor: string;
  /** Verb and object, e.g. `project.create`, `robot.delete`, `member.set`. */
  action: string;
  /** What was acted on, e.g. `project:library`, `user:alice`, `robot:robot$library+ci`. */
  target: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** The caller's address (`req.ip`); null for configuration, and for rows older than this column. */
  clientAddress: string | null;
  /** The project and repository acted on, when the event concerns one (the listing filters by them). */
  project: string | null;
  repository: string | null;
}

/** The new columns may be left out (null). */
export type NewAuditEvent = Omit<AuditEventRow, 'id' | 'at' | 'clientAddress' | 'project' | 'repository'> &
  Partial<Pick<AuditEventRow, 'clientAddress' | 'project' | 'repository'>>;

/** A page of the audit listing: newest first, below `beforeId`, only rows matching every filter given. */
export interface AuditQuery {
  limit: number;
  beforeId?: number;
  project?: string;
  repository?: string;
  action?: string;
  actor?: string;
  /** Events whose target contains this text. */
  target?: string;
}

/** A unique constraint refused the write (a user, robot or member that already exists). */
export class AlreadyExistsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlreadyExistsError';
  }
}

export interface AccountStore {
  // Users
  getUser(name: string): Promise<UserRow | null>;
  /** Throws AlreadyExistsError when the name is taken. */
  createUser(user: NewUser): Promise<UserRow>;
  /** Create the user unless one with that name exists (bootstrap); never changes an existing user. */
  ensureUser(user: NewUser): Promise<{ user: UserRow; created: boolean }>;
  /** Users in name order. */
  listUsers(): Promise<UserRow[]>;
  /** The updated row, or null when there is no such user. */
  updateUser(name: string, patch: UserPatch): Promise<UserRow | null>;
  /** False when there was no such user. Memberships go with the user. */
  deleteUser(name: string): Promise<boolean>;
  /** Counts an administrator's unlock of the user's failed-login locks; the new count, or null when there is no such user. */
  countUserUnlock(name: string): Promise<number | null>;

  // Memberships
  /** Every project the user is a member of, with the role. */
  listUserMemberships(userId: number): Promise<MembershipRow[]>;
  /** Members of a project in user-name order. */
  listProjectMembers(projectId: number): Promise<MembershipRow[]>;
  /** Add the member or change the role (idempotent). */
  setMember(projectId: number, userId: number, role: MemberRole): Promise<MembershipRow>;
  /** False when the user was not a member. */
  removeMember(projectId: number, userId: number): Promise<boolean>;

  // Robot accounts (deleted with their project)
  /** Throws AlreadyExistsError when the project already has a robot of that name. */
  createRobot(robot: NewRobot): Promise<RobotRow>;
  getRobot(projectName: string, name: string): Promise<RobotRow | null>;
  /** Robots of a project in name order. */
  listRobots(projectId: number): Promise<RobotRow[]>;
  updateRobot(projectId: number, name: string, patch: RobotPatch): Promise<RobotRow | null>;
  deleteRobot(projectId: number, name: string): Promise<boolean>;
  /** Counts an administrator's unlock of the robot's failed-login locks; the new count, or null when there is no such robot. */
  countRobotUnlock(projectId: number, name: string): Promise<number | null>;

  // Audit
  recordAudit(event: NewAuditEvent): Promise<AuditEventRow>;
  /** Newest first; `beforeId` pages backwards; the other fields filter (`target` as a substring, the rest exactly). */
  listAudit(query: AuditQuery): Promise<AuditEventRow[]>;

  // Token signing key (one per installation, shared by replicas)
  /**
   * The stored signing key; when there is none, stores `candidate` and returns it. Concurrent
   * callers (replicas starting together) all get the same key.
   */
  ensureSigningKey(candidate: { kid: string; privateJwk: string }): Promise<{ kid: string; privateJwk: string }>;
}
