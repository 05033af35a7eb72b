import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClient, type CommandResult } from './clients.js';
import { toolPath } from './go-tools.js';

/**
 * A sandbox for a real signing client (cosign, notation): HOME, XDG dirs, DOCKER_CONFIG and the
 * tool's own settings live in one temp dir, so a test never reads or writes the user's home.
 */
export interface SigningSandbox {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Run the pinned tool with `args`; fails with its stderr. */
  run(args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<CommandResult>;
  stop(): Promise<void>;
}

export async function createSigningSandbox(tool: 'cosign' | 'notation', env: NodeJS.ProcessEnv = {}): Promise<SigningSandbox> {
  const binary = toolPath(tool);
  const dir = await mkdtemp(join(tmpdir(), `berth-${tool}-`));
  for (const name of ['home', 'config', 'cache', 'docker', 'tmp']) await mkdir(join(dir, name), { mode: 0o700 });
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    DOCKER_CONFIG: join(dir, 'docker'),
    TMPDIR: join(dir, 'tmp'),
    // cosign: never reach the public-good TUF mirror, Rekor or Fulcio.
    TUF_ROOT: join(dir, 'home', '.sigstore'),
    ...env,
  };
  return {
    dir,
    env: base,
    run: (args, extraEnv = {}) => runClient(binary, args, { env: { ...base, ...extraEnv }, timeoutMs: 120_000 }),
    stop: () => rm(dir, { recursive: true, force: true }),
  };
}
