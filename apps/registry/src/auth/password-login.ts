import type { Principal } from '@berth/auth';
import { AuthenticationError, type AccessService } from '@berth/core';
import { OciError } from '@berth/oci';

/**
 * A password login as every endpoint answers it: a locked account is 429 with Retry-After; wrong
 * credentials are whatever `refused` makes of the message (each endpoint has its own challenge).
 * `address` is the client's (`req.ip`), for the audit row of a failed login.
 */
export async function passwordLogin(
  access: AccessService,
  username: string,
  password: string,
  address: string | undefined,
  refused: (message: string) => Error,
): Promise<Principal> {
  try {
    return await access.authenticatePassword(username, password, address);
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    if (error.reason === 'locked') throw new OciError('TOOMANYREQUESTS', error.message, { headers: { 'Retry-After': String(error.retryAfterSeconds) } });
    throw refused(error.message);
  }
}
