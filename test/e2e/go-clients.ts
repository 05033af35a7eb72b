import { execFile } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolPath } from '../harness/go-tools.js';

// Run a pinned Go client (scripts/go-tools.json) with a home of its own: HOME, DOCKER_CONFIG and
// XDG dirs in a temp dir, so no credentials or settings of the machine or of another test leak in.

const execute = promisify(execFile);

export interface ClientHome {
  dir: string;
  env: NodeJS.ProcessEnv;
}

/** A fresh home under `work` (the caller removes `work`). */
export async function clientHome(work: string, name: string): Promise<ClientHome> {
  const dir = await mkdtemp(join(work, `home-${name}-`));
  for (const sub of ['docker', 'config', 'cache']) await mkdir(join(dir, sub), { recursive: true });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    DOCKER_CONFIG: join(dir, 'docker'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
  };
  return { dir, env };
}

/** Run `tool args...`; resolve with stdout, reject with the command and its stderr. */
export async function runTool(tool: string, args: string[], home: ClientHome, cwd?: string): Promise<string> {
  try {
    const { stdout } = await execute(toolPath(tool), args, { env: home.env, cwd: cwd ?? home.dir, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failed = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${failed.message}\n${failed.stderr ?? ''}${failed.stdout ?? ''}`);
  }
}
