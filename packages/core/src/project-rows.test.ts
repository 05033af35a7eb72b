import { describe, expect, it } from '@jest/globals';
import { DatabaseUnavailableError, type ProjectRow } from '@berth/db';
import { ProjectRows } from './project-rows.js';

function source() {
  let reads = 0;
  let failure: Error | undefined;
  return {
    get reads() {
      return reads;
    },
    fail(error: Error | undefined) {
      failure = error;
    },
    metadata: {
      listProjects: async (): Promise<ProjectRow[]> => {
        reads += 1;
        if (failure !== undefined) throw failure;
        return [{ name: `p${reads}` } as ProjectRow];
      },
    },
  };
}

describe('ProjectRows', () => {
  it('reads the list once per 5 s, handing back the same array until then, and again at once after forget', async () => {
    const db = source();
    let now = 0;
    const rows = new ProjectRows(db.metadata, () => now);
    const first = await rows.list();
    now = 4_999;
    expect(await rows.list()).toBe(first);
    expect(db.reads).toBe(1);
    now = 5_000;
    const second = await rows.list();
    expect(second).not.toBe(first);
    expect(db.reads).toBe(2);
    rows.forget();
    await rows.list();
    expect(db.reads).toBe(3);
  });

  it('keeps the rows read last while the database is down, asking again a second later', async () => {
    const db = source();
    let now = 0;
    const rows = new ProjectRows(db.metadata, () => now);
    const last = await rows.list();
    db.fail(new DatabaseUnavailableError('connect ECONNREFUSED'));
    now = 5_000;
    expect(await rows.list()).toBe(last);
    now = 5_999;
    expect(await rows.list()).toBe(last);
    expect(db.reads).toBe(2);
    now = 6_000;
    expect(await rows.list()).toBe(last);
    expect(db.reads).toBe(3);
  });

  it('passes other errors on, and an outage before any read', async () => {
    const db = source();
    const rows = new ProjectRows(db.metadata, () => 0);
    db.fail(new DatabaseUnavailableError('connect ECONNREFUSED'));
    await expect(rows.list()).rejects.toBeInstanceOf(DatabaseUnavailableError);
    db.fail(new Error('syntax error'));
    await expect(rows.list()).rejects.toThrow('syntax error');
  });
});
