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
  const beforeFields = flatten(before.view);
  const afterFields = flatten(after.view);
  for (const setting of new Set([...beforeFields.keys(), ...afterFields.keys()])) {
    if (setting === 'upstream.credentials' || setting === 'upstream.customCa') continue;
    const [was, is] = [beforeFields.get(setting), afterFields.get(setting)];
    if (!isDeepStrictEqual(was, is)) changes.push({ setting, before: was ?? null, after: is ?? null });
  }
  const [oldUpstream, newUpstream] = [upstreamOf(before.row), upstreamOf(after.row)];
  if (oldUpstream?.sealedCredentials !== newUpstream?.sealedCredentials) {
    changes.push({ setting: 'upstream.credentials', before: oldUpstream?.sealedCredentials === undefined ? 'none' : 'set', after: newUpstream?.sealedCredentials === undefined ? 'none' : 'changed' });
  }
  if (oldUpstream?.caPem !== newUpstream?.caPem) {
    changes.push({ setting: 'upstream.caFile', before: oldUpstream?.caPem === undefined ? 'none' : 'set', after: newUpstream?.caPem === undefined ? 'none' : 'changed' });
  }
  return changes;
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

function upstreamOf(row: ProjectRow): ProxyUpstreamSettings | undefined {
  try {
    return row.kind === 'proxy' ? proxySettingsOf(row).upstream : undefined;
  } catch {
    return undefined; // a proxy row without an upstream: replaced as a whole
  }
}
