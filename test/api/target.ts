// The registry the API tests run against: Berth (started in-process with fresh storage and an
// embedded database) unless BERTH_API_TARGET=distribution picks Debian's docker-registry (CNCF
// distribution 2.8), the reference implementation, for comparison. The tests assert the OCI
// distribution spec and Berth's requirements; where distribution 2.8 predates the spec (no
// referrers API, no single-POST upload, ...) its failures are expected and listed in the README.

import { AUTH_ADMIN } from './bearer.js';

export type TargetKind = 'berth' | 'berth-auth' | 'distribution';

export interface ApiTarget {
  kind: TargetKind;
  /** http://127.0.0.1:PORT */
  url: string;
  stop(): Promise<void>;
}

export function targetKind(): TargetKind {
  const value = process.env.BERTH_API_TARGET;
  if (value === undefined || value === '' || value === 'berth') return 'berth';
  if (value === 'distribution' || value === 'berth-auth') return value;
  throw new Error(`BERTH_API_TARGET must be "berth", "berth-auth" or "distribution", got "${value}"`);
}

/** Start a fresh registry of the selected kind; the caller stops it in afterAll. */
export async function startTarget(): Promise<ApiTarget> {
  const kind = targetKind();
  if (kind === 'distribution') {
    const { startDockerRegistry } = await import('../harness/docker-registry.js');
    const registry = await startDockerRegistry();
    return { kind, url: registry.url, stop: () => registry.stop() };
  }
  const { startBerth } = await import('../harness/berth.js');
  // berth-auth: token authentication on; the requests carry the administrator's tokens (bearer.ts).
  const berth = await startBerth(kind === 'berth-auth' ? { config: { auth: { admin: AUTH_ADMIN } } } : {});
  return { kind, url: berth.url, stop: () => berth.stop() };
}
