import { Writable } from 'node:stream';
import { berthConfigSchema } from '@berth/config';
import { createLogger } from '@berth/runtime';
import { startBerth } from '../harness/berth.js';

// Berth from the harness with its own logger (createLogger: the options main.ts uses, redaction and
// error serializers included) writing into memory, so a test can read what was logged.

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
  /** The clock authentication runs on (ms since the epoch); Date.now by default. */
  authClock?: () => number;
}

export async function startBerthWithLog(config: Record<string, unknown>, options: StartWithLogOptions = {}): Promise<BerthWithLog> {
  const level = options.level ?? 'info';
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      callback();
    },
  });
  const berth = await startBerth({
    config: { log: { level }, ...config },
    logger: createLogger(berthConfigSchema.parse({ log: { level } }), sink),
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.authClock !== undefined ? { authClock: options.authClock } : {}),
  });
  return {
    url: berth.url,
    get records() {
      return lines.map((line) => JSON.parse(line) as LogRecord);
    },
    text: () => lines.join('\n'),
    stop: () => berth.stop(),
  };
}
