import { OciError } from '@berth/oci';
import { UpstreamError } from './errors.js';

/** Docker Hub's registry sends its clients to a token service on another host. */
const BUILT_IN_REALM_HOSTS: Readonly<Record<string, readonly string[]>> = {
  'registry-1.docker.io': ['auth.docker.io'],
};

/** A realm as it may appear in messages: no credentials, no query. */
export function describeRealm(realm: URL): string {
  return `${realm.protocol}//${realm.host}${realm.pathname}`;
}

/** Whether `entry` (`host` or `host:port`) names the realm's host; without a port any port matches. */
function hostMatches(entry: string, realm: URL): boolean {
  const wanted = entry.trim().toLowerCase();
  return wanted === realm.host || (!wanted.includes(':') && wanted === realm.hostname);
}

/**
 * The token realm of a Bearer challenge, if Berth may send its credentials there. A malicious or
 * compromised upstream could otherwise point the realm at any host and collect the credentials.
 * Allowed: the upstream's own host (same host and port), a host in `tokenRealmHosts`, and
 * auth.docker.io for registry-1.docker.io. Plain http is refused when the upstream uses https.
 */
export function pinnedRealm(upstreamName: string, upstream: URL, realm: string, tokenRealmHosts: readonly string[] = []): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw denied(upstreamName, 'the token realm is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw denied(upstreamName, `token realm ${describeRealm(url)} is not http(s)`);
  if (url.protocol === 'http:' && upstream.protocol === 'https:') {
    throw denied(upstreamName, `token realm ${describeRealm(url)} is plain http while the upstream uses https`);
  }
  if (url.username !== '' || url.password !== '') throw denied(upstreamName, 'the token realm carries user information');
  const allowed = url.host === upstream.host
    || tokenRealmHosts.some((entry) => hostMatches(entry, url))
    || (BUILT_IN_REALM_HOSTS[upstream.hostname] ?? []).some((entry) => hostMatches(entry, url));
  if (!allowed) {
    throw denied(upstreamName, `token realm ${describeRealm(url)} is not on the upstream's host nor in tokenRealmHosts`);
  }
  return url;
}

function denied(upstreamName: string, message: string): UpstreamError {
  return new UpstreamError(upstreamName, 401, new OciError('DENIED', message));
}
