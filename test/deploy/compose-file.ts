import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readRepoFile, repoRoot } from './workspaces.js';

/** One service of `docker-compose config`'s output (the fields the tests read). */
export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
  deploy?: { replicas?: number };
  scale?: number;
  stop_grace_period?: string;
}

export interface ComposeConfig {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** `.env.example` as written: name → value (empty for the secrets each deployment must choose). */
export function envExample(): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of readRepoFile('.env.example').split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match !== null) entries.set(match[1]!, match[2]!.trim());
  }
  return entries;
}

/** `.env.example` with every empty value filled the way docs/deploy.md says to (random, the right shape). */
export function filledEnvExample(): Map<string, string> {
  const filled = new Map<string, string>();
  for (const [name, value] of envExample()) {
    if (value !== '') filled.set(name, value);
    else filled.set(name, name === 'BERTH_SECRETS__KEY' ? randomBytes(32).toString('base64') : randomBytes(16).toString('hex'));
  }
  return filled;
}

export interface ComposeRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `docker-compose -f docker-compose.yml config` (Debian's docker-compose 1.29 needs no engine for it)
 * with exactly `values` as the environment file, so a developer's own `.env` is never read.
 */
export function composeConfig(values: ReadonlyMap<string, string>): ComposeRun {
  const dir = mkdtempSync(join(tmpdir(), 'berth-compose-'));
  try {
    const envFile = join(dir, 'env');
    writeFileSync(envFile, [...values].map(([name, value]) => `${name}=${value}\n`).join(''));
    const result = spawnSync('docker-compose', ['--env-file', envFile, '-f', 'docker-compose.yml', 'config'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
    });
    if (result.error !== undefined) throw new Error(`could not run docker-compose (npm test installs it: scripts/test-prereqs.mjs): ${result.error.message}`);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseComposeConfig(text: string): ComposeConfig {
  const parsed = parse(text) as ComposeConfig | null;
  if (parsed === null || typeof parsed.services !== 'object') throw new Error(`not a compose file:\n${text}`);
  return parsed;
}

/** A service's environment as name → value, from the map or the `NAME=value` list form. */
export function environmentOf(service: ComposeService): Map<string, string> {
  const { environment } = service;
  if (environment === undefined) return new Map();
  if (Array.isArray(environment)) {
    return new Map(environment.map((entry) => {
      const at = entry.indexOf('=');
      return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
    }));
  }
  return new Map(Object.entries(environment).map(([name, value]) => [name, value === null ? '' : String(value)]));
}

export interface Mount {
  /** Host path (bind mount) or volume name. */
  source: string;
  target: string;
  bind: boolean;
}

/** A service's mounts, from the short (`src:dst[:mode]`) or the long syntax. */
export function mountsOf(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume === 'string') {
      const [source = '', target = ''] = volume.split(':');
      return { source, target, bind: source.startsWith('/') || source.startsWith('.') };
    }
    return { source: volume.source ?? '', target: volume.target ?? '', bind: volume.type === 'bind' };
  });
}

/** A command or health-check test as one string, for looking into it. */
export function commandText(command: string | string[] | undefined): string {
  return Array.isArray(command) ? command.join(' ') : (command ?? '');
}
