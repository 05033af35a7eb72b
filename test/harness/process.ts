import { spawn, type ChildProcess } from 'node:child_process';
import { waitForPort } from './ports.js';

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Start a long-running service as a child process and wait until it listens on `port`.
 * The caller must call stop() (in afterAll) so no process outlives its test.
 */
export async function startService(
  command: string,
  args: string[],
  options: { port: number; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<ServiceProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => { log = (log + chunk.toString()).slice(-64 * 1024); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const service: ServiceProcess = {
    child,
    output: () => log,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await Promise.race([
      waitForPort(options.port, '127.0.0.1', options.timeoutMs ?? 20_000),
      exited.then(() => { throw new Error(`${command} exited early: ${log}`); }),
    ]);
  } catch (error) {
    await service.stop();
    throw error;
  }
  return service;
}
