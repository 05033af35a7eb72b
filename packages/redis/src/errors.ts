/**
 * Redis could not be asked (connection refused or lost, timeout, retries used up). A fill that
 * cannot take its lock fails with this rather than risk every replica fetching the same blob.
 */
export class RedisUnavailableError extends Error {
  constructor(what: string, options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`${what}: Redis unavailable (${reason})`, options);
    this.name = 'RedisUnavailableError';
  }
}
