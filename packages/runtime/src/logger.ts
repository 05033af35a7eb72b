import { pino, type Logger } from 'pino';
import type { BerthConfig } from '@berth/config';

export type { Logger } from 'pino';

export function createLogger(config: BerthConfig): Logger {
  return pino({
    level: config.log.level,
    // Human-readable lines for development; JSON (one object per line) otherwise.
    ...(config.log.pretty ? { transport: { target: 'pino-pretty', options: { colorize: false } } } : {}),
  });
}
