import { tmpdir } from 'node:os';
import { freePort } from './ports.js';
import { startService } from './process.js';

const BINARY = '/usr/bin/redis-server';

export interface TestRedis {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Everything the server logged so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * A throwaway redis-server on a free loopback port, keeping nothing on disk (no RDB snapshots, no
 * append-only file). The caller must stop() it.
 */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const service = await startService(BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    port,
    // Nothing is written with persistence off; a neutral cwd keeps it that way should that change.
    cwd: tmpdir(),
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    output: () => service.output(),
    stop: () => service.stop(),
  };
}
