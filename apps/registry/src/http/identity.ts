import type { Request, Response } from 'express';
import type { Principal } from '@berth/auth';
import { ANONYMOUS_ACCOUNT, type Actor } from '@berth/core';

/** Who made the request, as established by the authenticate middleware. */
export interface RequestIdentity {
  principal: Principal;
}

const ANONYMOUS: RequestIdentity = { principal: { kind: 'anonymous' } };
const KEY = 'berthIdentity';
const ACCOUNT_KEY = 'berthAccount';

export function setIdentity(res: Response, identity: RequestIdentity): void {
  res.locals[KEY] = identity;
  setAccount(res, identity.principal.kind === 'anonymous' ? ANONYMOUS_ACCOUNT : identity.principal.name);
}

/** The caller; anonymous when the request carried no credentials (or authentication is off). */
export function identityOf(res: Response): RequestIdentity {
  return (res.locals[KEY] as RequestIdentity | undefined) ?? ANONYMOUS;
}

/**
 * The account a request acts as, once established (admin API, /token, the /v2 guard; a bearer
 * token's subject is taken from the verified token). For the request log and audit rows.
 */
export function setAccount(res: Response, account: string): void {
  res.locals[ACCOUNT_KEY] = account;
}

/** Undefined until authentication ran (or when it failed). */
export function accountOf(res: Response): string | undefined {
  return res.locals[ACCOUNT_KEY] as string | undefined;
}

/**
 * Who did this, for an audit row: the account (anonymous when none was established) and the
 * client's own address (the one trusted proxies forwarded; not widened to a /64 as the login
 * throttle counts IPv6 clients).
 */
export function actorOf(req: Request, res: Response): Actor {
  const address = req.ip ?? req.socket.remoteAddress ?? '';
  const ipv4Mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  return { account: accountOf(res) ?? ANONYMOUS_ACCOUNT, address: ipv4Mapped ?? (address === '' ? 'unknown' : address) };
}
