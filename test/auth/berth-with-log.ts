import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '@berth/config';
import { startServer } from '../../apps/registry/src/server.js';
import { freePort } from '../harness/ports.js';

// Berth started like test/harness/berth.ts does (generated config file, the real loader, startServer),
// but with a pino logger writing into memory so a test can read what was logged. The harness's
// startBerth cannot take a logger; this is the one place that needs it.

export interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface BerthWithLog {
  url: string;
  /** Every line logged so far, parsed. */
  records: LogRecord[];
  /** Everything logged so far, as written. */
  text(): string;
  stop(): Promise<void>;
}

export interface StartWithLogOptions {
  level?: string;
  /** Reuse this data directory (a restart); the caller removes it. A fresh temp dir otherwise. */
  dataDir?: string;
  /** Environment the configuration loader sees (BERTH_* overrides). */
  env?: Record<string, string>;
}

export async function startBerthWithLog(config: Record<string, unknown>, options: StartWithLogOptions = {}): Promise<BerthWithLog> {
  const level = options.level ?? 'info';
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'berth-auth-log-')));
  const removeDataDir = () => (ownsDataDir ? rm(dataDir, { recursive: true, force: true }) : Promise.resolve());
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      callback();
    },
  });
  try {
    const port = await freePort();
    const file = join(dataDir, 'berth.json');
    const full = { server: { host: '127.0.0.1', port }, dataDir, autoCreateProjects: true, log: { level }, ...config };
    await writeFile(file, JSON.stringify(full));
    const loaded = loadConfig({ argv: ['--config', file], env: options.env ?? {}, cwd: dataDir });
    const server = await startServer(loaded, pino({ level }, sink));
    return {
      url: server.url,
      get records() {
        return lines.map((line) => JSON.parse(line) as LogRecord);
      },
      text: () => lines.join('\n'),
      stop: async () => {
        await server.close(1).catch(() => undefined);
        await removeDataDir();
      },
    };
  } catch (error) {
    await removeDataDir();
    throw error;
  }
}
