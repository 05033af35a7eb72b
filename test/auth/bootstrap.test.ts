import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerthWithLog, type BerthWithLog, type LogRecord } from './berth-with-log.js';
import { basicHeader, send, type Credentials } from './registry-http.js';

// The administrator and the signing key across restarts: without a configured password one is
// generated and printed once; a configured one (file or BERTH_ADMIN_PASSWORD) is the source of
// truth; the signing key generated on first start is persisted, so tokens outlive a restart.

const running: BerthWithLog[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const berth of running) await berth.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function start(config: Record<string, unknown>, options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<BerthWithLog> {
  const berth = await startBerthWithLog(config, { level: 'warn', ...options });
  running.push(berth);
  return berth;
}

async function stop(berth: BerthWithLog): Promise<void> {
  running.splice(running.indexOf(berth), 1);
  await berth.stop();
}

const generatedPasswordRecords = (berth: BerthWithLog): LogRecord[] => berth.records.filter((record) => /generated password/.test(record.msg));

async function tokenStatus(url: string, credentials: Credentials): Promise<number> {
  return (await send(url, 'GET', '/token?scope=registry:catalog:*', { headers: { Authorization: basicHeader(credentials) } })).status;
}

async function catalogToken(url: string, credentials: Credentials): Promise<string> {
  const answer = await send(url, 'GET', '/token?scope=registry:catalog:*', { headers: { Authorization: basicHeader(credentials) } });
  if (answer.status !== 200) throw new Error(`token: ${answer.status} ${answer.text()}`);
  return answer.json<{ token: string }>().token;
}

async function jwksKid(url: string): Promise<string | undefined> {
  return (await send(url, 'GET', '/.well-known/jwks.json')).json<{ keys: Array<{ kid?: string }> }>().keys[0]?.kid;
}

describe('bootstrap across restarts', () => {
  it('generates and prints an admin password once, keeps it and the signing key, and a configured password replaces it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'berth-auth-restart-'));
    dirs.push(dataDir);
    const first = await start({ auth: {} }, { dataDir });
    const printed = generatedPasswordRecords(first);
    expect(printed).toHaveLength(1);
    const password = printed[0]?.password;
    if (typeof password !== 'string') throw new Error(`no password in ${JSON.stringify(printed[0])}`);
    expect(printed[0]?.username).toBe('admin');
    const generated = { username: 'admin', password };
    const token = await catalogToken(first.url, generated);
    const kid = await jwksKid(first.url);
    await stop(first);

    const second = await start({ auth: {} }, { dataDir });
    expect(generatedPasswordRecords(second)).toHaveLength(0);
    expect(await tokenStatus(second.url, generated)).toBe(200);
    expect(await jwksKid(second.url)).toBe(kid);
    // A token issued before the restart is still valid: same persisted key.
    const catalog = await send(second.url, 'GET', '/v2/_catalog', { headers: { Authorization: `Bearer ${token}` } });
    expect(catalog.status).toBe(200);
    await stop(second);

    const configured = { username: 'admin', password: 'configured-admin-1' };
    const third = await start({ auth: { admin: configured } }, { dataDir });
    expect(generatedPasswordRecords(third)).toHaveLength(0);
    expect(await tokenStatus(third.url, configured)).toBe(200);
    expect(await tokenStatus(third.url, generated)).toBe(401);
  });

  it('takes the administrator password from BERTH_ADMIN_PASSWORD', async () => {
    const berth = await start({ auth: {} }, { env: { BERTH_ADMIN_PASSWORD: 'from-the-environment-1' } });
    expect(generatedPasswordRecords(berth)).toHaveLength(0);
    expect(await tokenStatus(berth.url, { username: 'admin', password: 'from-the-environment-1' })).toBe(200);
    expect(await tokenStatus(berth.url, { username: 'admin', password: 'something-else-1' })).toBe(401);
  });
});
