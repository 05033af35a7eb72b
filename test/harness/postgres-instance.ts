import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const SERVER_USER = 'postgres';

export interface PostgresInstance {
  /** postgres://berth@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** Stop the server (fast shutdown: open connections are terminated), keeping its data. */
  pause(): Promise<void>;
  /** Start it again on the same port with the same data. */
  resume(): Promise<void>;
  /** Stop it and remove its data directory. */
  stop(): Promise<void>;
}

/**
 * A PostgreSQL 15 server of the test's own (initdb into a temp dir, its own port, trust
 * authentication on loopback), for tests that stop the database: the machine's shared cluster,
 * which other test files use at the same time, is never touched.
 */
export async function startPostgresInstance(): Promise<PostgresInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-pg-'));
  const { uid, gid } = await serverUser();
  await chown(dir, uid, gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const asServer = (command: string, args: string[]) => run('runuser', ['-u', SERVER_USER, '--', join(BIN, command), ...args], { cwd: '/' });
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = () => asServer('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  let running = false;
  try {
    await asServer('initdb', ['-D', data, '-U', 'berth', '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C']);
    await start();
    running = true;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://berth@127.0.0.1:${port}/postgres`,
    port,
    async pause() {
      await asServer('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      running = false;
    },
    async resume() {
      await start();
      running = true;
    },
    async stop() {
      if (running) await asServer('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      running = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function serverUser(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['-u', SERVER_USER]);
  const { stdout: group } = await run('id', ['-g', SERVER_USER]);
  return { uid: Number(stdout.trim()), gid: Number(group.trim()) };
}
