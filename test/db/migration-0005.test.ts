import { describe, it, expect, afterAll } from '@jest/globals';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { defaultMigrationsFolder, drizzleDatabaseOf, openDatabase } from '@berth/db';

// Migration 0005 on a database that already has audit events and projects: old rows stay valid,
// get their project (and repository) from the target, and projects the configuration applied
// before become configuration-owned; every other project is the API's.

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface Journal {
  entries: Array<{ tag: string }>;
}

/** The repository's migrations up to and including `lastTag`. */
async function migrationsUpTo(lastTag: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-migrations-upto-'));
  dirs.push(dir);
  const journal = JSON.parse(await readFile(join(defaultMigrationsFolder, 'meta', '_journal.json'), 'utf8')) as Journal;
  const last = journal.entries.findIndex((entry) => entry.tag === lastTag);
  if (last < 0) throw new Error(`no migration ${lastTag}`);
  journal.entries = journal.entries.slice(0, last + 1);
  await mkdir(join(dir, 'meta'));
  await writeFile(join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
  for (const entry of journal.entries) await copyFile(join(defaultMigrationsFolder, `${entry.tag}.sql`), join(dir, `${entry.tag}.sql`));
  return dir;
}

describe('migration 0005 (audit scope and project owner)', () => {
  it('fills in project and repository of older audit rows and marks configured projects', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'berth-migrate-0005-'));
    dirs.push(dataDir);
    const before = await openDatabase({ dataDir, migrationsFolder: await migrationsUpTo('0003_cache_lifecycle') });
    const db = drizzleDatabaseOf(before);
    await db.execute(sql`insert into projects (name, kind, settings) values ('hub', 'proxy', '{}'), ('team', 'hosted', '{}')`);
    await db.execute(sql`insert into audit_events (actor, action, target, after) values
      ('config', 'project.apply', 'project:hub', '{}'),
      ('admin', 'project.create', 'project:team', '{}'),
      ('admin', 'member.set', 'member:team/alice', '{}'),
      ('admin', 'robot.create', 'robot:robot$team+ci', '{}'),
      ('alice', 'cache.purge', 'repository:hub/library/alpine', null),
      ('admin', 'user.create', 'user:bob', '{}')`);
    await before.close();

    const after = await openDatabase({ dataDir });
    try {
      const rows = await after.accounts.listAudit({ limit: 10 });
      expect(rows.map((row) => [row.target, row.project, row.repository, row.clientAddress]).reverse()).toEqual([
        ['project:hub', 'hub', null, null],
        ['project:team', 'team', null, null],
        ['member:team/alice', 'team', null, null],
        ['robot:robot$team+ci', 'team', null, null],
        ['repository:hub/library/alpine', 'hub', 'hub/library/alpine', null],
        ['user:bob', null, null, null],
      ]);
      expect((await after.getProject('hub'))?.managedBy).toBe('configuration');
      expect((await after.getProject('team'))?.managedBy).toBe('api');
    } finally {
      await after.close();
    }
  }, 60_000);
});
