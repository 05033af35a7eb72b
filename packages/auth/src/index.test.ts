import { describe, it, expect } from '@jest/globals';
import * as auth from './index.js';

describe('@berth/auth entry point', () => {
  it('exports the runtime API', () => {
    const functions = [
      'parseScope', 'parseScopes', 'formatScope', 'orderActions',
      'robotAccountName', 'parseRobotAccount', 'isValidRobotName',
      'repositoryActions', 'grantAccess', 'projectRoleOf', 'hasProjectRole', 'hasProjectRight',
      'isSystemAdmin', 'accountName', 'roleRank', 'claimAllows',
      'hashSecret', 'verifySecret', 'verifyAgainstDummy', 'generateSecret',
      'generateSigningKey', 'signingKeyFromPem', 'loadSigningKey',
      'TokenService', 'LoginThrottle', 'TokenInvalidError', 'ScopeError',
    ] as const;
    for (const name of functions) expect(typeof auth[name]).toBe('function');
    expect(auth.REPOSITORY_ACTIONS).toEqual(['pull', 'push', 'delete']);
    expect(auth.PROJECT_ROLES).toEqual(['guest', 'developer', 'maintainer', 'admin']);
  });
});
