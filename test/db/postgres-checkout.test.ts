import { execFileSync } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from '@jest/globals';
import { sql } from 'drizzle-orm';
import { drizzleDatabaseOf, openDatabase, type MetadataStore } from '@berth/db';
import { startPostgres, type TestPostgres } from '../harness/postgres.js';

// Connections checked out of the Postgres pool always come back, so that closing the store (the
// last step of a shutdown) cannot wait forever: neither after a transaction whose BEGIN met a
// connection the server had just ended (drizzle skips its release then), nor while a query hangs.

const PSQL = '/usr/lib/postgresql/15/bin/psql';

let pg: TestPostgres | undefined;
let store: MetadataStore | undefined;

afterEach(async () => {
  await store?.close();
  await pg?.stop();
  store = undefined;
  pg = undefined;
});

async function backendPid(db: ReturnType<typeof drizzleDatabaseOf>): Promise<number> {
  const result = (await db.execute(sql`select pg_backend_pid() as pid`)) as unknown as { rows: Array<{ pid: number }> };
  return result.rows[0]!.pid;
}

describe('Postgres pool checkouts', () => {
  it('a transaction whose BEGIN meets a connection the server just ended gives it back: the next query and close() work', async () => {
    pg = await startPostgres();
    // One connection: a slot lost for good would fail every later query.
    store = await openDatabase({ url: pg.url, poolSize: 1, onConnectionError: () => undefined });
    const db = drizzleDatabaseOf(store);
    const pid = await backendPid(db); // the pool's one connection, idle again now

    // The server ends that backend (as `pg_ctl stop -m fast` ends them all) and this thread is
    // blocked until it is gone (pg_terminate_backend with a timeout waits for the exit): the pool
    // cannot have read the termination yet when the transaction below checks the connection out
    // and sends BEGIN, all before the event loop next reads a socket.
    const terminated = execFileSync(PSQL, [pg.url, '-Atc', `select pg_terminate_backend(${pid}, 60000)`], { encoding: 'utf8' });
    expect(terminated.trim()).toBe('t');
    const transaction = db.transaction(async () => 'ran');
    const outcome = await transaction.then((value) => value, (error: unknown) => error);
    // BEGIN failed on the ended connection (what the race is about) rather than a fresh connection running it.
    expect(outcome).toBeInstanceOf(Error);

    // The slot came back: a new connection serves the next query (without the release the pool
    // stays full and this fails with "timeout exceeded when trying to connect").
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toThrow();
  }, 60_000);

  it('a connection the server ends in the middle of a transaction comes back once; the transaction fails with the connection error', async () => {
    pg = await startPostgres();
    store = await openDatabase({ url: pg.url, poolSize: 1, onConnectionError: () => undefined });
    const db = drizzleDatabaseOf(store);
    const pool = (db as unknown as { $client: EventEmitter }).$client;
    const givenBack = new Promise<void>((resolve) => pool.once('release', () => resolve()));
    const outcome = await db
      .transaction(async (tx) => {
        // The server ends this very connection (as a restart does) while the transaction holds it.
        await tx.execute(sql`select pg_terminate_backend(pg_backend_pid())`).catch(() => undefined);
        await givenBack; // released by the pool's guard, before drizzle's own release
        await tx.execute(sql`select 1`);
      })
      .then(() => 'committed', (error: unknown) => error);
    // drizzle's own release in its finally is ignored: the answer is the lost connection, not
    // "Release called on client which has already been released to the pool".
    expect(outcome).toBeInstanceOf(Error);
    const messages = [(outcome as Error).message, String((outcome as Error).cause)].join(' | ');
    expect(messages).not.toMatch(/already been released/);
    expect(messages).toMatch(/not queryable|Connection terminated/);
    await expect(store.ping()).resolves.toBeUndefined();
  }, 60_000);

  it('close() ends connections still in use (a query that does not return, a transaction left open) after its grace period, and says how many', async () => {
    pg = await startPostgres();
    const cut: number[] = [];
    store = await openDatabase({ url: pg.url, closeGraceMs: 200, onConnectionsCut: (count) => void cut.push(count), onConnectionError: () => undefined });
    const db = drizzleDatabaseOf(store);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    // A query that would hold its connection for an hour (as one on a half-open socket would, forever).
    const stuck = db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      started();
      await tx.execute(sql`select pg_sleep(3600)`);
    });
    const stuckOutcome = stuck.then(() => 'finished', (error: unknown) => error);
    // And a transaction whose own code never goes on: its connection is idle in the transaction.
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    void db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      held();
      await new Promise(() => undefined);
    });
    await running;
    await holding;
    await store.close();
    expect(cut).toEqual([2]);
    const error = await stuckOutcome;
    expect(error).toBeInstanceOf(Error);
  }, 60_000);
});
