export { PROJECT_ROLES, REPOSITORY_ACTIONS, ScopeError, TokenInvalidError } from './types.js';
export type {
  AccessClaim,
  IssuedToken,
  Principal,
  ProjectRole,
  ProjectVisibility,
  RepositoryAction,
  Scope,
  SigningKeyMaterial,
  TokenRejection,
  TokenSubject,
  VerifiedAccessToken,
} from './types.js';

export { formatScope, orderActions, parseScope, parseScopes } from './scopes.js';
export { MAX_ROBOT_NAME_LENGTH, isValidProjectName, isValidRobotName, isValidUserName, parseRobotAccount, robotAccountName } from './robot-names.js';
export {
  PROJECT_RIGHTS,
  accountName,
  claimAllows,
  grantAccess,
  hasProjectRight,
  hasProjectRole,
  isSystemAdmin,
  projectRoleOf,
  repositoryActions,
  roleRank,
} from './policy.js';
export type { ProjectRight } from './policy.js';
export { generateSecret, hashSecret, verifyAgainstDummy, verifySecret } from './secrets.js';
export { SIGNING_ALGORITHM, generateSigningKey, loadSigningKey, signingKeyFromPem } from './signing-keys.js';
export type { LoadedSigningKey, PublicSigningJwk } from './signing-keys.js';
export { CLOCK_TOLERANCE_SECONDS, TokenService } from './token-service.js';
export type { TokenServiceOptions } from './token-service.js';
export { DEFAULT_MAX_TRACKED_ACCOUNTS, LoginThrottle, MAX_LOCK_SECONDS } from './login-throttle.js';
export type { LoginThrottleOptions } from './login-throttle.js';
