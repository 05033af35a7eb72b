import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'drizzle-orm';
import { DatabaseUnavailableError, drizzleDatabaseOf, openDatabase, type MetadataStore } from '@berth/db';
import { startPostgresInstance, type PostgresInstance } from '../harness/postgres-instance.js';

// The metadata store while its PostgreSQL server stops and starts again (a server of the test's own):
// every method fails with DatabaseUnavailableError naming the reason, a connection the server ends
// while it is checked out does not take the process down, and the same store works once it is back.

let pg: PostgresInstance;
let store: MetadataStore;
const lost: Error[] = [];

beforeAll(async () => {
  pg = await startPostgresInstance();
  store = await openDatabase({ url: pg.url, poolSize: 4, onConnectionError: (error) => void lost.push(error) });
  await store.ensureProject('outage', 'hosted', {});
}, 60_000);

afterAll(async () => {
  await store?.close();
  await pg?.stop();
});

describe('PostgreSQL stops and starts again', () => {
  it('a transaction between two queries when the server stops fails; the process keeps running', async () => {
    let step!: () => void;
    const between = new Promise<void>((resolve) => (step = resolve));
    const transaction = drizzleDatabaseOf(store).transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await between; // the server stops now, with this connection checked out and no query on it
      await tx.execute(sql`select 2`);
    });
    const outcome = transaction.then(() => 'committed', (error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pg.pause();
    // Let the termination message reach the checked-out connection before the next query.
    await new Promise((resolve) => setTimeout(resolve, 200));
    step();
    expect(await outcome).toBeInstanceOf(Error);
  }, 30_000);

  it('every method (and the accounts store) throws DatabaseUnavailableError with the reason', async () => {
    for (const call of [() => store.getProject('outage'), () => store.listProjects(), () => store.ping(), () => store.accounts.listUsers()]) {
      const error = await call().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect((error as DatabaseUnavailableError).message).toMatch(/^metadata database unavailable: .*ECONNREFUSED/);
    }
  });

  it('answers again once the server is back, with the same store', async () => {
    await pg.resume();
    expect((await store.getProject('outage'))?.name).toBe('outage');
  }, 30_000);
});
