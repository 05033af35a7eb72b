import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { openDatabase } from '@berth/db';
import { startPostgres, type TestPostgres } from '../harness/postgres.js';
import { describeMetadataStoreContract } from './metadata-store-contract.js';

const databases: TestPostgres[] = [];

afterAll(async () => {
  for (const database of databases) await database.stop();
});

describeMetadataStoreContract('Postgres (node-postgres)', async () => {
  const database = await startPostgres();
  databases.push(database);
  return openDatabase({ url: database.url, poolSize: 8 });
});

describe('Postgres migrations', () => {
  let database: TestPostgres;
  beforeAll(async () => {
    database = await startPostgres();
    databases.push(database);
  });

  it('lets replicas starting at once migrate one fresh database', async () => {
    const stores = await Promise.all(
      Array.from({ length: 3 }, () => openDatabase({ url: database.url, poolSize: 2 })),
    );
    try {
      const [a, b, c] = stores;
      const project = await a!.ensureProject('replicas', 'hosted', {});
      expect((await b!.getProject('replicas'))?.id).toBe(project.id);
      expect((await c!.listProjects()).map((p) => p.name)).toEqual(['replicas']);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('fails to open with bad credentials', async () => {
    const url = new URL(database.url);
    url.password = 'wrong-password';
    await expect(openDatabase({ url: url.toString() })).rejects.toThrow(/password/);
  });
});
