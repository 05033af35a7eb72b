import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// One Berth program (registry or worker) as a child process of the stack: started from a config
// file, logging to a file, ready once it answers HTTP, and stoppable with any signal, then
// startable again with the same port, data dir and configuration.

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `dist`: the built apps (`npm run build` first). `tsx`: the TypeScript sources, no build needed. */
export type StackCommand = 'dist' | 'tsx';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BerthProcessSpec {
  /** For messages and the log file name, e.g. `registry-1`. */
  name: string;
  program: 'registry' | 'worker';
  command: StackCommand;
  configFile: string;
  logFile: string;
  /** Where the process answers HTTP, e.g. http://127.0.0.1:5000. */
  url: string;
  /** The process's `dataDir` (its spool files live in `<dataDir>/spool`). */
  dataDir: string;
  /** Path polled until it answers: any status for the registry's `/v2/`, 200 for the worker's `/healthz`. */
  readyPath: string;
  readyStatus?: number;
  readyTimeoutMs: number;
  /** After a stop signal, how long to wait for the exit before SIGKILL. */
  killAfterMs: number;
}

/** The command line of `program`: node on the built main.js, or on main.ts through tsx's loader. */
function commandLine(program: BerthProcessSpec['program'], command: StackCommand, configFile: string): string[] {
  const app = join(REPO_ROOT, 'apps', program);
  const entry = command === 'dist' ? [join(app, 'dist', 'main.js')] : ['--import', 'tsx', join(app, 'src', 'main.ts')];
  return [...entry, '--config', configFile];
}

/**
 * The environment of a Berth child: ours without the variables Berth would read as settings
 * (BERTH_*, DATABASE_URL, REDIS_URL), so the stack's config file alone decides.
 */
function childEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('BERTH_') || key === 'DATABASE_URL' || key === 'REDIS_URL') continue;
    env[key] = value;
  }
  // tsx maps @berth/* to the packages' sources through the repository's tsconfig paths.
  env.TSX_TSCONFIG_PATH = join(REPO_ROOT, 'tsconfig.json');
  return env;
}

export class BerthProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<ProcessExit> = Promise.resolve({ code: null, signal: null });
  private lastExit: ProcessExit | undefined;

  constructor(readonly spec: BerthProcessSpec) {}

  get url(): string {
    return this.spec.url;
  }

  /** host:port, as registry clients name it. */
  get host(): string {
    return new URL(this.spec.url).host;
  }

  get dataDir(): string {
    return this.spec.dataDir;
  }

  /** Where this process spools blob fills. */
  get spoolDir(): string {
    return join(this.spec.dataDir, 'spool');
  }

  get logFile(): string {
    return this.spec.logFile;
  }

  /** The pid of the running process (of the last one, once it exited). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.lastExit === undefined;
  }

  /** Resolves when the current process exits (at once when none runs). */
  get exited(): Promise<ProcessExit> {
    return this.exit;
  }

  /** Spawn the process and wait until it answers HTTP; on failure it is killed and the log tail thrown. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.spec.name} is already running (pid ${this.pid})`);
    const log = openSync(this.spec.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, commandLine(this.spec.program, this.spec.command, this.spec.configFile), {
        cwd: REPO_ROOT,
        env: childEnvironment(),
        stdio: ['ignore', log, log],
        // Its own process group: a Ctrl-C in the terminal reaches the stack, which stops each child once.
        detached: true,
      });
    } finally {
      closeSync(log); // the child holds its own descriptor
    }
    this.child = child;
    this.lastExit = undefined;
    this.exit = new Promise<ProcessExit>((resolve) => {
      child.once('exit', (code, signal) => {
        this.lastExit = { code, signal };
        resolve(this.lastExit);
      });
      // Spawning failed (no exit event follows).
      child.once('error', () => {
        this.lastExit ??= { code: null, signal: null };
        resolve(this.lastExit);
      });
    });
    try {
      await this.waitUntilReady();
    } catch (error) {
      await this.stop('SIGKILL');
      throw error;
    }
  }

  /**
   * Send `signal` and resolve with the exit once the process is gone (SIGKILL after
   * `killAfterMs`). With no process running, resolves with the last exit.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ProcessExit> {
    const child = this.child;
    if (child === undefined || !this.running) return this.lastExit ?? { code: null, signal: null };
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), this.spec.killAfterMs);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stop (SIGTERM) if running, then start again with the same port, data dir and configuration. */
  async restart(): Promise<void> {
    await this.stop('SIGTERM');
    await this.start();
  }

  /** The last `bytes` of the log file (for failure messages). */
  async logTail(bytes = 4000): Promise<string> {
    const text = await readFile(this.spec.logFile, 'utf8').catch(() => '');
    return text.slice(-bytes);
  }

  private async waitUntilReady(): Promise<void> {
    const { name, url, readyPath, readyStatus, readyTimeoutMs } = this.spec;
    const deadline = Date.now() + readyTimeoutMs;
    let exited = false;
    void this.exit.then(() => (exited = true));
    for (;;) {
      const status = await httpStatus(`${url}${readyPath}`);
      if (status !== undefined && (readyStatus === undefined || status === readyStatus)) return;
      if (exited || Date.now() > deadline) {
        const why = exited ? `exited (${JSON.stringify(this.lastExit)})` : `not ready after ${readyTimeoutMs} ms`;
        throw new Error(`${name} ${why}; log ${this.spec.logFile}:\n${await this.logTail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * The status of a GET on a fresh connection, or undefined when nothing answered. No keep-alive
 * connection is left behind to hold up a process that is shutting down.
 */
export function httpStatus(url: string, timeoutMs = 2000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}
