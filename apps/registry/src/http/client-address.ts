import type { Request } from 'express';
import ipaddr from 'ipaddr.js';

/**
 * The client address failed logins are counted against. `req.ip` is the peer, or the address a
 * trusted proxy forwarded (express's `trust proxy`, set from server.trustedProxies): a header
 * from anyone else is ignored, so a forged X-Forwarded-For cannot move an attacker to a fresh
 * address. An IPv4-mapped IPv6 peer is its IPv4 address; any other IPv6 address counts as its /64,
 * the block one subscriber usually holds, so cycling through it gains nothing.
 */
export function clientAddressOf(req: Request): string {
  return normalizeClientAddress(req.ip ?? req.socket.remoteAddress ?? '');
}

/** What `server.trustProxy: true` stands for: peers on loopback and private networks (proxy-addr's names). */
const PRIVATE_NETWORKS = ['loopback', 'linklocal', 'uniquelocal'];

/** Express's `trust proxy` list from the two server settings; false (trust nobody) when empty. */
export function trustedProxiesSetting(server: { trustProxy: boolean; trustedProxies: readonly string[] }): string[] | false {
  const list = [...new Set([...server.trustedProxies, ...(server.trustProxy ? PRIVATE_NETWORKS : [])])];
  return list.length === 0 ? false : list;
}

export function normalizeClientAddress(address: string): string {
  if (!ipaddr.isValid(address)) return address === '' ? 'unknown' : address.replace(/\s/g, '');
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...prefix, 0, 0, 0, 0]).toString()}/64`;
}
