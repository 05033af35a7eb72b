import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { configuredUpstreams, type BerthConfig } from '@berth/config';
import { SecretSealer } from '@berth/core';

/**
 * The sealer for upstream credentials: from `secrets.key`, or in embedded mode from
 * `<dataDir>/secret.key`, generated the first time it may be needed: a configured proxy project has
 * credentials, or the admin API (on with authentication) may be given some. With a shared database
 * every replica must use the same key, so there it must be configured (checked when a project needs it).
 */
export async function loadSecretSealer(config: BerthConfig): Promise<SecretSealer | undefined> {
  if (config.secrets.key !== undefined) return new SecretSealer(Buffer.from(config.secrets.key, 'base64'));
  // Without configured credentials or an admin API to receive them, there is no key to make or read.
  const sealsCredentials = config.projects.some(
    (project) => project.kind === 'proxy' && configuredUpstreams(project).some((upstream) => upstream.token !== undefined || upstream.username !== undefined),
  );
  if (!(sealsCredentials || config.auth.enabled) || config.database.url !== undefined) return undefined;
  const file = join(config.dataDir, 'secret.key');
  try {
    return new SecretSealer(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  const key = randomBytes(32).toString('base64');
  // wx: never overwrite a key another process wrote a moment ago.
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return new SecretSealer(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64'));
}
