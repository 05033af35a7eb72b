import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@berth/config';
import { startWorker } from '../../apps/worker/src/worker.js';

export interface WorkerUnderTest {
  /** http://127.0.0.1:PORT of its /healthz and /metrics. */
  url: string;
  stop(): Promise<void>;
}

/**
 * A Berth worker in this process, through the real configuration loader and the same startWorker
 * apps/worker's main.ts uses. `config` must share the registry's database, storage and Redis.
 */
export async function startTestWorker(config: Record<string, unknown>): Promise<WorkerUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-worker-'));
  try {
    const file = join(dataDir, 'berth.json');
    const full = {
      server: { host: '127.0.0.1' },
      dataDir,
      auth: { enabled: false },
      log: { level: process.env.TEST_LOG_LEVEL ?? 'warn' },
      ...config,
      jobs: { workerPort: 0, ...(config.jobs as Record<string, unknown> | undefined) },
    };
    await writeFile(file, JSON.stringify(full));
    const worker = await startWorker(loadConfig({ argv: ['--config', file], env: {}, cwd: dataDir }));
    return {
      url: worker.url,
      async stop() {
        await worker.close(1);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
