import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCK_FILE } from './data-dir-lock.js';
import { createPglite } from './pglite-instance.js';

// A first embedded start used to spend most of its time in PGlite's initdb (measured 2.5 s on an
// idle 2-core machine, 10-12 s on a busy one, against 0.3-1 s to open an existing database). initdb
// gives the same files on every machine, so the build runs it once (`npm run build`, hence
// `npm ci`) into packages/db/dist/pglite-template, and a first start copies those files instead.
// Without a template, or with one made by another PGlite version, PGlite runs initdb as before.

/** packages/db/dist/pglite-template, from this file in src/ or in dist/. */
export const TEMPLATE_DIR = fileURLToPath(new URL('../dist/pglite-template', import.meta.url));
const STAMP = 'berth-template.json';
/** Written by initdb; its absence means the directory holds no database yet. */
const PG_VERSION = 'PG_VERSION';

/** The installed PGlite's version: a template made by another one is not used. */
function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

async function templateMatches(dir: string): Promise<boolean> {
  try {
    const stamp = JSON.parse(await readFile(join(dir, STAMP), 'utf8')) as { pglite?: string };
    return stamp.pglite === pgliteVersion();
  } catch {
    return false;
  }
}

/**
 * Fill `dataDir` (which holds no database: no PG_VERSION) from the template, PG_VERSION last, so
 * a copy cut short is copied again at the next start. Returns whether it did.
 */
export async function seedFromTemplate(dataDir: string, templateDir = TEMPLATE_DIR): Promise<boolean> {
  const present = await readdir(dataDir);
  if (present.includes(PG_VERSION) || !(await templateMatches(templateDir))) return false;
  const files: string[] = [];
  for (const entry of await readdir(templateDir, { recursive: true, withFileTypes: true })) {
    const path = relative(templateDir, join(entry.parentPath, entry.name));
    if (entry.isDirectory()) await mkdir(join(dataDir, path), { recursive: true });
    else if (path !== STAMP && path !== LOCK_FILE && path !== PG_VERSION) files.push(path);
  }
  // ~1000 small files: copied a few dozen at a time (one at a time took 0.4-2 s).
  for (let i = 0; i < files.length; i += 32) {
    await Promise.all(files.slice(i, i + 32).map((path) => copyFile(join(templateDir, path), join(dataDir, path))));
  }
  await copyFile(join(templateDir, PG_VERSION), join(dataDir, PG_VERSION));
  return true;
}

/** Make the template unless one of this PGlite version exists; run by `npm run build`. */
export async function buildTemplate(templateDir = TEMPLATE_DIR): Promise<'kept' | 'built'> {
  if (await templateMatches(templateDir)) return 'kept';
  const draft = `${templateDir}.${randomBytes(6).toString('hex')}`;
  try {
    await mkdir(draft, { recursive: true });
    const client = await createPglite(draft);
    await client.close();
    await writeFile(join(draft, STAMP), `${JSON.stringify({ pglite: pgliteVersion() })}\n`);
    await rm(templateDir, { recursive: true, force: true });
    await rename(draft, templateDir);
  } finally {
    await rm(draft, { recursive: true, force: true });
  }
  return 'built';
}
