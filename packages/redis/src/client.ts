import { Redis } from 'ioredis';
import type { RedisLogger } from './types.js';

export interface RedisClientOptions {
  logger?: RedisLogger;
  /** Give up a connection attempt after this long (default 5 s). */
  connectTimeoutMs?: number;
  /** Fail a command with no reply after this long, queued time included (default 5 s). */
  commandTimeoutMs?: number;
  /** Reconnection attempts a command waits through before it fails (default 2). */
  maxRetriesPerRequest?: number;
}

/** Reconnect after 200 ms, 400 ms, ... capped at 2 s, forever: Redis coming back is picked up by itself. */
function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 200, 2000);
}

/**
 * A client for a redis:// or rediss:// URL, connecting at once. While Redis is unreachable the
 * client keeps reconnecting in the background, and each command fails after a bounded wait
 * (`maxRetriesPerRequest` reconnection attempts or `commandTimeoutMs`) instead of hanging.
 * Connection problems are logged once per outage, not once per attempt.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const client = new Redis(url, {
    lazyConnect: false,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 2,
    retryStrategy: reconnectDelay,
    // After disconnect(), how long a socket that does not close is given before it is destroyed.
    disconnectTimeout: 500,
  });
  const { logger } = options;
  const where = redactedUrl(url);
  let down = false;
  // Without an 'error' listener ioredis prints every failed attempt to the console.
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger?.warn({ redis: where, error: error.message }, 'redis unreachable; retrying in the background');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger?.info({ redis: where }, 'redis reachable again');
  });
  return client;
}

/** Close politely (pending replies first) when connected; otherwise just stop reconnecting. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: the connection went away while quitting.
    }
  }
  client.disconnect();
}

/** The URL without its password, for logs. */
function redactedUrl(url: string): string {
  if (!URL.canParse(url)) return '(invalid URL)';
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
