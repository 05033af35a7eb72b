import type { MetadataStore } from '@berth/db';
import type { Redis } from '@berth/redis';
import type { BlobStore } from '@berth/storage';

/** One dependency's answer: `skipped` when it is not configured for this process. */
export type CheckResult =
  | { status: 'ok'; durationMs: number }
  | { status: 'error'; durationMs: number; error: string }
  | { status: 'skipped'; reason: string };

export interface ReadinessReport {
  status: 'ready' | 'not ready';
  checks: Record<string, CheckResult>;
}

export interface ReadinessDeps {
  metadata: Pick<MetadataStore, 'ping' | 'pendingMigrations'>;
  store: Pick<BlobStore, 'ping'>;
  /** The process's Redis client; undefined when redis.url is not configured. */
  redis: Pick<Redis, 'status' | 'ping'> | undefined;
}

/** A named dependency check: resolves when the dependency is usable, throws why not. */
export interface ReadinessCheck {
  name: string;
  /** Why the check does not apply to this process; it then reports `skipped`. */
  skipped?: string;
  run(): Promise<void>;
}

export interface Readiness {
  /** Run every check in parallel, each bounded by the timeout. */
  check(): Promise<ReadinessReport>;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2000;

/** The checks of a Berth process: database, migrations, blob storage, Redis. */
export function readinessChecks(deps: ReadinessDeps): ReadinessCheck[] {
  const { redis } = deps;
  return [
    { name: 'database', run: () => deps.metadata.ping() },
    {
      name: 'migrations',
      async run() {
        const pending = await deps.metadata.pendingMigrations();
        if (pending > 0) throw new Error(`${pending} migration${pending === 1 ? '' : 's'} not applied to the database`);
      },
    },
    { name: 'storage', run: () => deps.store.ping() },
    redis === undefined
      ? { name: 'redis', skipped: 'not configured', run: async () => undefined }
      : {
          name: 'redis',
          async run() {
            // While ioredis reconnects, a command would wait in its offline queue: answer at once instead.
            if (redis.status !== 'ready') throw new Error(`not connected (${redis.status})`);
            const answer = await redis.ping();
            if (answer !== 'PONG') throw new Error(`unexpected PING answer ${JSON.stringify(answer)}`);
          },
        },
  ];
}

export function createReadiness(checks: ReadinessCheck[], options: { timeoutMs?: number } = {}): Readiness {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  return {
    async check() {
      const results = await Promise.all(checks.map((check) => runCheck(check, timeoutMs)));
      const entries = checks.map((check, i) => [check.name, results[i] as CheckResult] as const);
      const ready = results.every((result) => result.status !== 'error');
      return { status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(entries) };
    },
  };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  if (check.skipped !== undefined) return { status: 'skipped', reason: check.skipped };
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check.run(), timeout]);
    return { status: 'ok', durationMs: elapsed() };
  } catch (error) {
    return { status: 'error', durationMs: elapsed(), error: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** The error's message (with its name and code when they add something), without URL credentials. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return withoutCredentials(String(error));
  const code = (error as { code?: unknown }).code;
  const parts = [error.name !== 'Error' && !error.message.includes(error.name) ? `${error.name}: ` : '', error.message || '(no message)'];
  if (typeof code === 'string' && !error.message.includes(code)) parts.push(` (${code})`);
  return withoutCredentials(parts.join(''));
}

/** `scheme://user:password@host` → `scheme://user:***@host`, wherever it appears in the text. */
export function withoutCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, '$1:***@');
}

/** What /readyz answers: 200 when ready; 503 when a check fails, or at once while shutting down (so load balancers stop sending traffic). */
export async function readinessAnswer(
  readiness: Readiness,
  draining: boolean,
): Promise<{ statusCode: 200 | 503; body: ReadinessReport | { status: 'shutting down' } }> {
  if (draining) return { statusCode: 503, body: { status: 'shutting down' } };
  const report = await readiness.check();
  return { statusCode: report.status === 'ready' ? 200 : 503, body: report };
}
