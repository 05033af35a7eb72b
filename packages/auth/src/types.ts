/**
 * The vocabulary of authentication and authorization, shared by the token service, the access
 * policy and their callers (core and the registry app).
 */

/** What a repository scope may grant. */
export type RepositoryAction = 'pull' | 'push' | 'delete';
export const REPOSITORY_ACTIONS: readonly RepositoryAction[] = ['pull', 'push', 'delete'];

/**
 * One requested or granted scope, as in the Docker token spec:
 * `repository:<name>:pull,push,delete` or `registry:catalog:*`.
 */
export type Scope =
  | { type: 'repository'; name: string; actions: RepositoryAction[] }
  | { type: 'registry'; name: 'catalog'; actions: ['*'] };

/** The `access` claim of a registry token: one entry per granted scope (actions may be empty). */
export interface AccessClaim {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

/** A member's role in a project; each includes the rights of the ones before it. */
export type ProjectRole = 'guest' | 'developer' | 'maintainer' | 'admin';
export const PROJECT_ROLES: readonly ProjectRole[] = ['guest', 'developer', 'maintainer', 'admin'];

/** Who is asking. A system administrator is a user with `admin: true`. */
export type Principal =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      id: number;
      name: string;
      admin: boolean;
      /** Role per project name, for the projects this user is a member of. */
      roles: ReadonlyMap<string, ProjectRole>;
      /** The account's credential stamp when this principal was read (written into its tokens). */
      credentialStamp: string;
    }
  | {
      kind: 'robot';
      id: number;
      /** Full account name: `robot$<project>+<name>`. */
      name: string;
      project: string;
      permissions: readonly RepositoryAction[];
      /** The account's credential stamp when this principal was read (written into its tokens). */
      credentialStamp: string;
    };

/** What the access policy needs to know about a project. */
export interface ProjectVisibility {
  name: string;
  /** Anonymous pull allowed. */
  public: boolean;
}

/** The subject a token is issued to (the `sub` claim plus Berth's account kind). */
export interface TokenSubject {
  kind: 'anonymous' | 'user' | 'robot';
  /** Account name; empty for anonymous. */
  name: string;
  /**
   * The account's credential stamp at issue (the `berth_cs` claim; never for anonymous). A refresh
   * token or admin bearer token whose stamp is no longer the account's is refused.
   */
  credentialStamp?: string;
}

/** A verified registry access token. */
export interface VerifiedAccessToken {
  subject: TokenSubject;
  access: AccessClaim[];
  expiresAt: Date;
  issuedAt: Date;
  /** The `jti` claim. */
  id: string;
}

export interface IssuedToken {
  token: string;
  /** Seconds until expiry. */
  expiresIn: number;
  issuedAt: Date;
}

/** Why a token was refused; surfaced in logs and in the `error_description` of a challenge. */
export type TokenRejection = 'malformed' | 'signature' | 'expired' | 'not-yet-valid' | 'audience' | 'issuer' | 'kind';

export class TokenInvalidError extends Error {
  constructor(
    readonly reason: TokenRejection,
    message: string,
  ) {
    super(message);
    this.name = 'TokenInvalidError';
  }
}

export class ScopeError extends Error {
  constructor(
    readonly scope: string,
    message: string,
  ) {
    super(message);
    this.name = 'ScopeError';
  }
}

/** The ES256 key that signs tokens, as JSON Web Keys. `kid` is the RFC 7638 thumbprint. */
export interface SigningKeyMaterial {
  kid: string;
  /** Private JWK as JSON text (persisted). */
  privateJwk: string;
}
