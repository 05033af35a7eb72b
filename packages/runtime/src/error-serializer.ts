import { stdSerializers } from 'pino';

/**
 * pino's error serializer, minus the values of SQL statements. A failed query error carries its
 * parameters (drizzle's DrizzleQueryError in its message as `\nparams: ...` and in `params`,
 * PGlite's errors in `params`), and those are whatever the statement wrote: a robot's or user's
 * scrypt hash, a sealed upstream credential, a caller's input. The statement itself is kept.
 */
export function serializeError(err: unknown): unknown {
  const serialized: unknown = stdSerializers.err(err as Error);
  if (serialized === err || typeof serialized !== 'object' || serialized === null) return serialized;
  const fields = serialized as Record<string, unknown>;
  delete fields.params;
  delete fields.queryOptions;
  // The message and stack carry the messages of the whole cause chain.
  for (const own of ownMessages(err)) {
    const safe = withoutParams(own);
    if (safe === own) continue;
    for (const key of ['message', 'stack'] as const) {
      if (typeof fields[key] === 'string') fields[key] = fields[key].split(own).join(safe);
    }
  }
  return fields;
}

const PARAMS_MARK = '\nparams: ';

function withoutParams(message: string): string {
  const at = message.indexOf(PARAMS_MARK);
  return at === -1 ? message : `${message.slice(0, at)}\nparams: [not logged]`;
}

/** The own message of the error and of each cause (bounded: a cause chain may loop). */
function ownMessages(err: unknown): string[] {
  const messages: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 10 && current instanceof Error; depth += 1) {
    messages.push(current.message);
    current = current.cause;
  }
  return messages;
}
