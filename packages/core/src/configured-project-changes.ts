import { isDeepStrictEqual } from 'node:util';
import type { ProjectRow } from '@berth/db';
import type { ProjectView } from './admin/admin-views.js';
import { proxySettingsOf, type ProxyUpstreamSettings } from './proxy/proxy-settings.js';

/** One setting a start changed from configuration, as logged: never a secret. */
export interface SettingChange {
  /** Dotted path as in the configuration: `referrersProxy`, `upstream.url`, `nameMapping.prefix`. */
  setting: string;
  before: unknown;
  after: unknown;
}

/** Not settings: identity, timestamps, and the owner (logged on its own when it changes). */
const NOT_SETTINGS = new Set(['name', 'createdAt', 'updatedAt', 'managedBy', 'declaredIn']);

/**
 * The settings that differ between two views of a project. Credentials and the CA certificate are
 * compared on the stored rows (views show neither) and reported only as `changed`.
 */
export function settingChanges(before: { row: ProjectRow; view: ProjectView }, after: { row: ProjectRow; view: ProjectView }): SettingChange[] {
  const changes: SettingChange[] = [];
  // `upstreams` repeats `upstream` for a project with one; with several it is compared as a list
  // (without credentials and CA, which are compared on the rows below).
  const several = upstreamsOf(before.row).length > 1 || upstreamsOf(after.row).length > 1;
  const beforeFields = flatten(comparable(before.view, several));
  const afterFields = flatten(comparable(after.view, several));
  for (const setting of new Set([...beforeFields.keys(), ...afterFields.keys()])) {
    if (setting === 'upstream.credentials' || setting === 'upstream.customCa') continue;
    const [was, is] = [beforeFields.get(setting), afterFields.get(setting)];
    if (!isDeepStrictEqual(was, is)) changes.push({ setting, before: was ?? null, after: is ?? null });
  }
  const [oldUpstreams, newUpstreams] = [upstreamsOf(before.row), upstreamsOf(after.row)];
  for (let index = 0; index < Math.max(oldUpstreams.length, newUpstreams.length); index += 1) {
    const [oldUpstream, newUpstream] = [oldUpstreams[index], newUpstreams[index]];
    // `upstream.` for the first (as before virtual-registry projects), `upstreams[i].` for the others.
    const at = index === 0 ? 'upstream' : `upstreams[${index}]`;
    for (const [setting, stored] of SECRET_SETTINGS) {
      const [was, is] = [oldUpstream?.[stored], newUpstream?.[stored]];
      if (was !== is) changes.push({ setting: `${at}.${setting}`, before: was === undefined ? 'none' : 'set', after: is === undefined ? 'none' : 'changed' });
    }
  }
  return changes;
}

/** An upstream's settings logged only as none / set / changed, with the stored field each is compared on. */
const SECRET_SETTINGS = [['credentials', 'sealedCredentials'], ['caFile', 'caPem']] as const;

function comparable(view: ProjectView, several: boolean): Record<string, unknown> {
  if (view.kind !== 'proxy') return view;
  const { upstreams, ...rest } = view;
  return several ? { ...rest, upstreams: upstreams.map(({ credentials: _credentials, customCa: _customCa, ...plain }) => plain) } : rest;
}

/** Objects become dotted paths; arrays and scalars are values. */
function flatten(value: Record<string, unknown>, prefix = '', into = new Map<string, unknown>()): Map<string, unknown> {
  for (const [key, field] of Object.entries(value)) {
    if (prefix === '' && NOT_SETTINGS.has(key)) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof field === 'object' && field !== null && !Array.isArray(field)) flatten(field as Record<string, unknown>, path, into);
    else into.set(path, field);
  }
  return into;
}

function upstreamsOf(row: ProjectRow): ProxyUpstreamSettings[] {
  try {
    return row.kind === 'proxy' ? proxySettingsOf(row).upstreams : [];
  } catch {
    return []; // a proxy row without an upstream: replaced as a whole
  }
}
