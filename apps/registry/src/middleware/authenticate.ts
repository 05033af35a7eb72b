import type { RequestHandler } from 'express';
import { TokenInvalidError, type Principal } from '@berth/auth';
import { AdminError } from '@berth/core';
import type { AuthRuntime } from '../auth/v2-guard.js';
import { readCredentials } from '../auth/credentials.js';
import { passwordLogin } from '../auth/password-login.js';
import { setIdentity } from '../http/identity.js';

/**
 * Establish the caller of an admin API request from Basic credentials or a Berth bearer token;
 * no credentials leave the caller anonymous (routes decide whether that is enough). The account is
 * re-read on every request, so a disabled user or robot loses access at once.
 */
export function authenticate(auth: AuthRuntime): RequestHandler {
  return async (req, res, next) => {
    const credentials = readCredentials(req);
    let principal: Principal;
    if (credentials.kind === 'none') principal = { kind: 'anonymous' };
    else if (credentials.kind === 'malformed') throw new AdminError('UNAUTHORIZED', credentials.reason);
    else if (credentials.kind === 'basic') principal = await passwordLogin(auth.access, req, credentials.username, credentials.password, (message) => new AdminError('UNAUTHORIZED', message));
    else principal = await tokenLogin(auth, credentials.token);
    setIdentity(res, { principal });
    next();
  };
}

async function tokenLogin(auth: AuthRuntime, token: string): Promise<Principal> {
  let subject;
  try {
    ({ subject } = await auth.tokens.verifyAccessToken(token));
  } catch (error) {
    if (error instanceof TokenInvalidError) throw new AdminError('UNAUTHORIZED', `invalid token: ${error.message}`);
    throw error;
  }
  const principal = await auth.access.principalForSubject(subject);
  if (principal === null) throw new AdminError('UNAUTHORIZED', 'the account of this token is disabled, expired or gone, or its credentials changed since the token was issued');
  return principal;
}
