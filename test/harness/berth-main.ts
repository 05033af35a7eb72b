import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The registry's real entry point (apps/registry/src/main.ts through tsx, no build needed) as a
// child process: for what only a whole process shows (exit codes, what it prints, locks held by a
// process that was killed).

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BerthMainProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stdout or stderr matches; rejects when the process exits first. */
  waitForOutput(pattern: RegExp): Promise<void>;
  /** Send `signal` (SIGTERM by default) unless it has exited; resolves on exit (SIGKILL after 10 s). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Write `config` (JSON, which is YAML) to `<dir>/berth.json` and return its path. */
export async function writeBerthConfig(dir: string, config: Record<string, unknown>): Promise<string> {
  const file = join(dir, 'berth.json');
  await writeFile(file, JSON.stringify(config));
  return file;
}

/** Spawn `main.ts --config <configFile>` with none of our BERTH_* variables. The caller stops it. */
export function spawnBerthMain(configFile: string, env: Record<string, string> = {}): BerthMainProcess {
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('BERTH_') && key !== 'DATABASE_URL' && key !== 'REDIS_URL') childEnv[key] = value;
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'apps/registry/src/main.ts'), '--config', configFile], {
    cwd: REPO_ROOT,
    env: { ...childEnv, TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not spawn Berth');
  let out = '';
  let err = '';
  const watchers = new Set<() => void>();
  const changed = () => {
    for (const watcher of watchers) watcher();
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    changed();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    changed();
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      done = true;
      resolve({ code, signal });
      changed();
    });
  });
  return {
    child,
    pid: child.pid,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(out) || pattern.test(err)) {
            watchers.delete(check);
            resolve();
          } else if (done) {
            watchers.delete(check);
            reject(new Error(`Berth exited before printing ${pattern}:\n${out}\n${err}`));
          }
        };
        watchers.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (done) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
