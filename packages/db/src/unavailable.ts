import { asErrorLike } from '@berth/oci';
/**
 * The metadata database cannot be reached (server stopped, restarting, network cut, connection
 * limit): an operating condition the registry answers with 503, unlike a failed query (a bug or
 * a constraint), which stays as it is.
 */
export class DatabaseUnavailableError extends Error {
  /** What went wrong, as short as the driver says it (`connect ECONNREFUSED 127.0.0.1:5432`). */
  readonly reason: string;

  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(`metadata database unavailable: ${reason}`, { cause: options.cause });
    this.name = 'DatabaseUnavailableError';
    this.reason = reason;
  }
}

export function isDatabaseUnavailable(error: unknown): error is DatabaseUnavailableError {
  return error instanceof DatabaseUnavailableError;
}

/** Socket errors of a connection to the server (node's errno codes). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);
/**
 * SQLSTATEs that mean "no usable server": class 08 (connection exception), 57P01-57P03 (shut down
 * by an administrator, crash, or not accepting connections yet), 53300 (too many connections).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
/** node-postgres's own messages for a connection that ended or never came. */
const DRIVER_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated unexpectedly/i;

/**
 * The driver error behind `error` (drizzle wraps it as `cause`) when it says the server could not
 * be used; undefined for any other error.
 */
export function connectionFailureReason(error: unknown): string | undefined {
  // Duck-typed, not `instanceof Error`: socket errors may come from another realm (a test's VM context).
  for (let current = asErrorLike(error), depth = 0; current !== undefined && depth < 5; current = asErrorLike(current.cause), depth += 1) {
    const first = Array.isArray(current.errors) ? asErrorLike(current.errors[0]) : undefined;
    const message = typeof current.message === 'string' && current.message !== '' ? current.message : String(first?.message ?? '');
    const code = current.code ?? first?.code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) {
      return message.includes(code) ? message : `${message || 'connection failed'} (${code})`;
    }
    if (DRIVER_MESSAGES.test(message)) return message;
  }
  return undefined;
}


/**
 * The same object with every method (and those of nested objects such as `accounts`) throwing
 * DatabaseUnavailableError when its driver error says the server could not be used.
 */
export function withUnavailableErrors<T extends object>(target: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target)) {
    if (typeof value === 'function') {
      wrapped[key] = (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        return result instanceof Promise ? result.catch(rethrowUnavailable) : result;
      };
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      wrapped[key] = withUnavailableErrors(value);
    } else {
      wrapped[key] = value;
    }
  }
  return wrapped as T;
}

function rethrowUnavailable(error: unknown): never {
  const reason = error instanceof DatabaseUnavailableError ? undefined : connectionFailureReason(error);
  if (reason !== undefined) throw new DatabaseUnavailableError(reason, { cause: error });
  throw error;
}
