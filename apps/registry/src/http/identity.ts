import type { Response } from 'express';
import type { Principal } from '@berth/auth';

/** Who made the request, as established by the authenticate middleware. */
export interface RequestIdentity {
  principal: Principal;
}

const ANONYMOUS: RequestIdentity = { principal: { kind: 'anonymous' } };
const KEY = 'berthIdentity';

export function setIdentity(res: Response, identity: RequestIdentity): void {
  res.locals[KEY] = identity;
}

/** The caller; anonymous when the request carried no credentials (or authentication is off). */
export function identityOf(res: Response): RequestIdentity {
  return (res.locals[KEY] as RequestIdentity | undefined) ?? ANONYMOUS;
}
