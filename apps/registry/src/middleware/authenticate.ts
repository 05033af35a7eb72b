import type { RequestHandler } from 'express';
import { TokenInvalidError, type Principal } from '@berth/auth';
import { AuthenticationError } from '@berth/core';
import { OciError } from '@berth/oci';
import type { AuthRuntime } from '../auth/v2-guard.js';
import { readCredentials } from '../auth/credentials.js';
import { setIdentity } from '../http/identity.js';

const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="berth", charset="UTF-8"' };

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
    else if (credentials.kind === 'malformed') throw new OciError('UNAUTHORIZED', credentials.reason, { headers: BASIC_CHALLENGE });
    else if (credentials.kind === 'basic') principal = await passwordLogin(auth, credentials.username, credentials.password);
    else principal = await tokenLogin(auth, credentials.token);
    setIdentity(res, { principal });
    next();
  };
}

async function passwordLogin(auth: AuthRuntime, username: string, password: string): Promise<Principal> {
  try {
    return await auth.access.authenticatePassword(username, password);
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    if (error.reason === 'locked') throw new OciError('TOOMANYREQUESTS', error.message, { headers: { 'Retry-After': String(error.retryAfterSeconds) } });
    throw new OciError('UNAUTHORIZED', error.message, { headers: BASIC_CHALLENGE });
  }
}

async function tokenLogin(auth: AuthRuntime, token: string): Promise<Principal> {
  let subject;
  try {
    ({ subject } = await auth.tokens.verifyAccessToken(token));
  } catch (error) {
    if (error instanceof TokenInvalidError) throw new OciError('UNAUTHORIZED', `invalid token: ${error.message}`, { headers: BASIC_CHALLENGE });
    throw error;
  }
  const principal = await auth.access.principalForSubject(subject);
  if (principal === null) throw new OciError('UNAUTHORIZED', 'the account of this token is disabled, expired or gone', { headers: BASIC_CHALLENGE });
  return principal;
}
