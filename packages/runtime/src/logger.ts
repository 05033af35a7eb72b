import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { BerthConfig } from '@berth/config';
import { serializeError } from './error-serializer.js';

export type { Logger } from 'pino';

/**
 * Fields that may carry credentials, replaced by "[redacted]" wherever a log call passes them:
 * request headers, nested passwords, tokens and keys (a configuration section, an upstream's
 * credentials), and HTTP client settings attached to errors. A top-level `password` is left alone:
 * the administrator's generated password is printed once on purpose.
 */
export const REDACTED_PATHS: readonly string[] = [
  'authorization',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'secretAccessKey',
  'sessionToken',
  'credentials',
  '*.password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
  '*.accessKeyId',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.credentials',
  '*.authorization',
  '*.headers.authorization',
  'err.config',
  'err.request',
  'err.response.headers',
];

/**
 * The pino options of every Berth logger: level from configuration, redaction of secrets, errors
 * without the values of failed SQL statements.
 */
export function loggerOptions(config: BerthConfig): LoggerOptions {
  return {
    level: config.log.level,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    serializers: { err: serializeError },
  };
}

/**
 * The process logger: JSON, one object per line, on stdout; human-readable lines with `log.pretty`
 * (development). With `destination` (tests reading what was logged) it writes JSON there.
 */
export function createLogger(config: BerthConfig, destination?: DestinationStream): Logger {
  const options = loggerOptions(config);
  if (destination !== undefined) return pino(options, destination);
  return pino({
    ...options,
    ...(config.log.pretty ? { transport: { target: 'pino-pretty', options: { colorize: false } } } : {}),
  });
}
