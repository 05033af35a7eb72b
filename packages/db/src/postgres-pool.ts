import pg from 'pg';

/** How long closing the pool lets queries still running on checked-out connections finish before it ends those connections. */
export const POOL_CLOSE_GRACE_MS = 5_000;

export interface PostgresPoolOptions {
  url: string;
  connectTimeoutMs: number;
  /** Maximum connections; pg's default (10) when absent. */
  max?: number;
  /** How long close() waits for checked-out connections before it ends them (POOL_CLOSE_GRACE_MS). */
  closeGraceMs?: number;
  /** Told how many checked-out connections close() ended after its grace (to log it). */
  onConnectionsCut?: (count: number) => void;
}

type ReleaseArgument = Error | boolean | undefined;

/**
 * A pg.Pool whose connections always come back, so that ending it cannot wait forever.
 *
 * pg.Pool.end() resolves only when every checked-out client has been released. Two ways one is not:
 * - drizzle's transaction() runs BEGIN before the try/finally that releases its client (drizzle-orm
 *   0.45, upstream issue #6023): when the server ends the connection as it is being checked out (a
 *   restart, `pg_ctl stop -m fast`, pg_terminate_backend), BEGIN fails and the client is never
 *   released. It stays counted by the pool: one slot less for good, and end() never resolves.
 *   Here a client whose connection ends while it is checked out (by `connect()`, as drizzle does)
 *   is released at once, with the error so the pool drops it; a second release of the same
 *   checkout (drizzle's, when its code did reach the finally) is ignored.
 * - a query that never answers (a half-open socket after a network cut: no query timeout is set)
 *   holds its client forever: close() ends such connections after its grace period.
 */
export class PostgresPool extends pg.Pool {
  /** Clients checked out now, by connect() or by pool.query(). */
  private readonly inUse = new Set<pg.PoolClient>();
  private readonly closeGraceMs: number;
  private readonly onConnectionsCut: ((count: number) => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: PostgresPoolOptions) {
    super({ connectionString: options.url, connectionTimeoutMillis: options.connectTimeoutMs, ...(options.max !== undefined ? { max: options.max } : {}) });
    this.closeGraceMs = options.closeGraceMs ?? POOL_CLOSE_GRACE_MS;
    this.onConnectionsCut = options.onConnectionsCut;
    this.on('acquire', (client: pg.PoolClient) => this.inUse.add(client));
    this.on('release', (_error: unknown, client: pg.PoolClient) => this.inUse.delete(client));
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: ReleaseArgument) => void) => void): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: ReleaseArgument) => void) => void,
  ): Promise<pg.PoolClient> | void {
    // pool.query() checks out with a callback and releases on every path itself.
    if (callback !== undefined) return super.connect(callback);
    return super.connect().then(releasedWhenConnectionEnds);
  }

  /**
   * End the pool: idle connections at once, checked-out ones when released or, after the grace
   * period, by ending their connections (which fails what runs on them and so releases them).
   */
  close(): Promise<void> {
    this.closing ??= this.endWithin(this.closeGraceMs);
    return this.closing;
  }

  private async endWithin(graceMs: number): Promise<void> {
    const ended = this.end();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => (timer = setTimeout(() => resolve('grace over'), graceMs)));
    try {
      if ((await Promise.race([ended, graceOver])) !== 'grace over') return;
      const stuck = [...this.inUse];
      if (stuck.length > 0) this.onConnectionsCut?.(stuck.length);
      for (const client of stuck) cut(client);
      await ended;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Close the client's socket at once: what runs on it fails, which releases it. Not client.end()'s
 * polite goodbye when no query runs: a server that does not answer would keep that waiting too.
 */
function cut(client: pg.PoolClient): void {
  // pg keeps the socket as connection.stream (pg-pool's connect timeout destroys it the same way).
  const socket = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  if (socket !== undefined) socket.destroy();
  else client.end().catch(() => undefined);
}

/** The client, released (with the reason, so the pool drops it) when its connection ends before its holder releases it. */
function releasedWhenConnectionEnds(client: pg.PoolClient): pg.PoolClient {
  const release = client.release.bind(client);
  let released = false;
  const releaseOnce = (error?: ReleaseArgument) => {
    if (released) return;
    released = true;
    client.off('end', onEnd);
    release(error);
  };
  const onEnd = () => releaseOnce(new Error('Connection terminated while checked out'));
  client.once('end', onEnd);
  client.release = releaseOnce;
  return client;
}
