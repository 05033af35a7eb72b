import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase } from '@berth/db';
import { buildTemplate, seedFromTemplate } from '../../packages/db/src/pglite-template.js';

// A first embedded start copies the database that `npm run build` made with initdb, instead of
// running initdb itself.

let root: string;
let template: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-template-'));
  template = join(root, 'template');
  expect(await buildTemplate(template)).toBe('built');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function emptyDir(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  return dir;
}

describe('PGlite template', () => {
  it('is made once per PGlite version', async () => {
    expect(await buildTemplate(template)).toBe('kept');
  });

  it('seeds an empty data directory, which then opens as a database and keeps what is written', async () => {
    const dataDir = await emptyDir('fresh');
    expect(await seedFromTemplate(dataDir, template)).toBe(true);
    expect(await readdir(dataDir)).toContain('PG_VERSION');
    expect(await readdir(dataDir)).not.toContain('berth-template.json');
    const first = await openDatabase({ dataDir });
    await first.ensureProject('seeded', 'hosted', {});
    await first.close();
    const second = await openDatabase({ dataDir });
    try {
      expect((await second.getProject('seeded'))?.name).toBe('seeded');
    } finally {
      await second.close();
    }
    // It holds a database now: never seeded over.
    expect(await seedFromTemplate(dataDir, template)).toBe(false);
  });

  it('completes a copy that was cut short (files, but no PG_VERSION yet)', async () => {
    const dataDir = await emptyDir('interrupted');
    await mkdir(join(dataDir, 'base'));
    await writeFile(join(dataDir, 'base', 'partial'), 'cut short');
    expect(await seedFromTemplate(dataDir, template)).toBe(true);
    const db = await openDatabase({ dataDir });
    await db.close();
  });

  it('is not used when made by another PGlite version, nor when absent', async () => {
    const other = join(root, 'other-version');
    await mkdir(other);
    await writeFile(join(other, 'berth-template.json'), JSON.stringify({ pglite: '0.0.1' }));
    await writeFile(join(other, 'PG_VERSION'), '17\n');
    expect(await seedFromTemplate(await emptyDir('not-seeded'), other)).toBe(false);
    expect(await seedFromTemplate(await emptyDir('no-template'), join(root, 'absent'))).toBe(false);
  });
});
