import type { ConfigProblem } from './config-error.js';
import { CONFIG_FIELDS, formatPath } from './fields.js';
import type { Field } from './fields.js';
import type { EnvSource } from './issues.js';
import { isRecord } from './records.js';

export const ENV_PREFIX = 'BERTH_';
/** Names the configuration file; not a setting. */
export const CONFIG_FILE_ENV = 'BERTH_CONFIG';
/**
 * Well-known aliases, applied before (so overridden by) the BERTH_<SECTION>__<SETTING> variables.
 * BERTH_ADMIN_PASSWORD is a shorter name for BERTH_AUTH__ADMIN__PASSWORD, not a setting path.
 */
export const ENV_ALIASES: Readonly<Record<string, readonly string[]>> = {
  DATABASE_URL: ['database', 'url'],
  REDIS_URL: ['redis', 'url'],
  BERTH_ADMIN_PASSWORD: ['auth', 'admin', 'password'],
  // The proxy variables every HTTP client reads; the lower-case spelling wins (applied last), as in curl.
  HTTP_PROXY: ['upstreamProxy', 'httpProxy'],
  http_proxy: ['upstreamProxy', 'httpProxy'],
  HTTPS_PROXY: ['upstreamProxy', 'httpsProxy'],
  https_proxy: ['upstreamProxy', 'httpsProxy'],
  NO_PROXY: ['upstreamProxy', 'noProxy'],
  no_proxy: ['upstreamProxy', 'noProxy'],
};

export interface EnvOverrides {
  /** The file's data with every valid override applied (a copy; the input is not changed). */
  data: Record<string, unknown>;
  /** Which variable set which path, to name it in validation problems. */
  sources: EnvSource[];
  /** Variables that name no setting or hold a value of the wrong type. */
  problems: ConfigProblem[];
}

/** `forcePathStyle` → `FORCE_PATH_STYLE`. */
function toSnakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The BERTH_ variable that sets a path: ['storage', 's3', 'forcePathStyle'] → BERTH_STORAGE__S3__FORCE_PATH_STYLE. */
export function envVarName(path: readonly string[]): string {
  return ENV_PREFIX + path.map(toSnakeCase).join('__');
}

/** SNAKE_CASE, camelCase and any other casing of a key compare equal. */
function normalize(segment: string): string {
  return segment.replace(/_/g, '').toLowerCase();
}

type Resolved = { path: string[]; field: Field } | { problem: string };

function resolveVariable(segments: readonly string[]): Resolved {
  let field = CONFIG_FIELDS;
  const path: string[] = [];
  for (const segment of segments) {
    if (field.type === 'list') {
      return { problem: `${formatPath(path)} is a list; set it whole as JSON in ${envVarName(path)}` };
    }
    if (field.type !== 'section') {
      return { problem: `names no setting; ${formatPath(path)} is a single setting, not a section` };
    }
    const child = field.children.find((candidate) => normalize(candidate.key) === normalize(segment));
    if (child === undefined) {
      const where = path.length === 0 ? 'the top level' : formatPath(path);
      return { problem: `names no setting; ${where} has: ${field.children.map((candidate) => candidate.key).join(', ')}` };
    }
    field = child;
    path.push(child.key);
  }
  if (field.type === 'section') {
    return { problem: `names the section ${formatPath(path)}; set its settings one by one, e.g. ${envVarName([...path, field.children[0]?.key ?? ''])}` };
  }
  return { path, field };
}

type Coerced = { value: unknown } | { problem: string };

function coerce(raw: string, type: Field['type']): Coerced {
  const text = raw.trim();
  switch (type) {
    case 'boolean':
      if (/^(true|1)$/i.test(text)) return { value: true };
      if (/^(false|0)$/i.test(text)) return { value: false };
      return { problem: `expected true, false, 1 or 0, got ${JSON.stringify(raw)}` };
    case 'number':
      if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return { value: Number(text) };
      return { problem: `expected a number, got ${JSON.stringify(raw)}` };
    case 'list': {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        return { problem: `expected a JSON list: ${error instanceof Error ? error.message : String(error)}` };
      }
      return Array.isArray(value) ? { value } : { problem: 'expected a JSON list ([...])' };
    }
    default:
      return { value: raw };
  }
}

/**
 * Set a value at a path, creating missing sections. A non-mapping in the way (a mistake in the file)
 * is left alone for validation to report.
 */
function setAt(root: Record<string, unknown>, path: readonly string[], value: unknown): boolean {
  let node = root;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null) node[key] = {};
    else if (!isRecord(next)) return false;
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last === undefined) return false;
  node[last] = value;
  return true;
}

/** Apply the aliases (DATABASE_URL, REDIS_URL, BERTH_ADMIN_PASSWORD) and every BERTH_<SECTION>__<SETTING> variable to the file's data. */
export function applyEnvOverrides(fileData: Record<string, unknown>, env: NodeJS.ProcessEnv): EnvOverrides {
  const data = structuredClone(fileData);
  const sources: EnvSource[] = [];
  const problems: ConfigProblem[] = [];

  const apply = (envVar: string, raw: string, path: string[], field: Field) => {
    const coerced = coerce(raw, field.type);
    if ('problem' in coerced) {
      problems.push({ path: formatPath(path), message: coerced.problem, envVar });
    } else if (setAt(data, path, coerced.value)) {
      sources.push({ path, envVar });
    }
  };

  for (const [alias, aliasPath] of Object.entries(ENV_ALIASES)) {
    const raw = env[alias];
    if (raw === undefined) continue;
    const resolved = resolveVariable(aliasPath);
    if ('problem' in resolved) throw new Error(`alias ${alias} maps to no setting: ${resolved.problem}`);
    apply(alias, raw, resolved.path, resolved.field);
  }

  const names = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && name !== CONFIG_FILE_ENV && !Object.hasOwn(ENV_ALIASES, name))
    .sort();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined) continue;
    const resolved = resolveVariable(name.slice(ENV_PREFIX.length).split('__'));
    if ('problem' in resolved) problems.push({ path: name, message: resolved.problem });
    else apply(name, raw, resolved.path, resolved.field);
  }
  return { data, sources, problems };
}
