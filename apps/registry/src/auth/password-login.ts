import type { Request } from 'express';
import type { Principal } from '@berth/auth';
import { AuthenticationError, type AccessService } from '@berth/core';
import { OciError } from '@berth/oci';
import { clientAddressOf } from '../http/client-address.js';

/**
 * A password login as every endpoint answers it: an account locked for the request's client
 * address is 429 with Retry-After; wrong credentials are whatever `refused` makes of the message
 * (each endpoint has its own challenge).
 */
export async function passwordLogin(
  access: AccessService,
  req: Request,
  username: string,
  password: string,
  refused: (message: string) => Error,
): Promise<Principal> {
  try {
    return await access.authenticatePassword(username, password, clientAddressOf(req));
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    if (error.reason === 'locked') throw new OciError('TOOMANYREQUESTS', error.message, { headers: { 'Retry-After': String(error.retryAfterSeconds) } });
    throw refused(error.message);
  }
}
