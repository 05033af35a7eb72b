import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { waitForPort } from './ports.js';

const run = promisify(execFile);

const HOST = '127.0.0.1';
const PORT = 5432;
const CLUSTER = ['15', 'main'] as const;
const ROLE = 'berth';
const PASSWORD = 'berth';

export interface TestPostgres {
  /** postgres://berth:berth@127.0.0.1:5432/<fresh database> */
  url: string;
  /** Drop the database (terminating leftover connections). The shared cluster keeps running. */
  stop(): Promise<void>;
}

let ready: Promise<void> | undefined;

/**
 * A fresh, uniquely named database on the machine's PostgreSQL 15 cluster, owned by the login role
 * `berth`. Starts the cluster and creates the role when needed (we run as root; other test files
 * may be doing the same at the same moment, so every step tolerates a concurrent twin).
 */
export async function startPostgres(): Promise<TestPostgres> {
  ready ??= prepareCluster().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  await ready;
  const database = `berth_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await asAdminRole(`create database "${database}"`);
  return {
    url: `postgres://${ROLE}:${PASSWORD}@${HOST}:${PORT}/${database}`,
    async stop() {
      await asAdminRole(`drop database if exists "${database}" with (force)`);
    },
  };
}

async function prepareCluster(): Promise<void> {
  if ((await clusterStatus()) !== 'online') {
    try {
      await run('pg_ctlcluster', [...CLUSTER, 'start']);
    } catch (error) {
      // Another test process may have started it between our look and our start.
      if ((await clusterStatus()) !== 'online') throw error;
    }
  }
  await waitForPort(PORT, HOST, 30_000);
  await waitUntilAcceptingConnections();
  await ensureRole();
}

async function clusterStatus(): Promise<string> {
  const { stdout } = await run('pg_lsclusters', ['--no-header']);
  for (const line of stdout.split('\n')) {
    const [version, name, , status] = line.trim().split(/\s+/);
    if (version === CLUSTER[0] && name === CLUSTER[1]) return status ?? 'unknown';
  }
  throw new Error(`PostgreSQL cluster ${CLUSTER.join('/')} not found:\n${stdout}`);
}

async function waitUntilAcceptingConnections(): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await run('pg_isready', ['-h', HOST, '-p', String(PORT)]);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Create the `berth` role (LOGIN, CREATEDB, password) unless it exists, over the postgres superuser's socket. */
async function ensureRole(): Promise<void> {
  const statement = `
    do $$
    begin
      if not exists (select from pg_roles where rolname = '${ROLE}') then
        create role ${ROLE} login createdb password '${PASSWORD}';
      elsif not exists (select from pg_roles where rolname = '${ROLE}' and rolcanlogin and rolcreatedb) then
        alter role ${ROLE} login createdb password '${PASSWORD}';
      end if;
    exception when duplicate_object or unique_violation then
      null; -- created concurrently by another test process
    end
    $$;`;
  await run('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', statement], { cwd: '/' });
}

async function asAdminRole(statement: string): Promise<void> {
  const client = new pg.Client({ host: HOST, port: PORT, user: ROLE, password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
