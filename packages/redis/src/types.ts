/** What the Redis package logs; pino's Logger and core's FillLogger fit it. */
export interface RedisLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}
