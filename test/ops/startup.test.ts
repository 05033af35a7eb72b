import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBerthMain, writeBerthConfig, type BerthMainProcess } from '../harness/berth-main.js';
import { freePort } from '../harness/ports.js';

// What a person sees when starting Berth (the real main.ts as a process): one process per embedded
// data directory, a taken port, and the generated administrator password.

const running: BerthMainProcess[] = [];
const dirs: string[] = [];
const LISTENING = /berth listening on/;

afterAll(async () => {
  for (const berth of running) await berth.stop('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A config file of its own (in a fresh directory) for Berth on `port` with `dataDir`. */
async function configFile(port: number, dataDir: string, extra: Record<string, unknown> = {}): Promise<string> {
  const dir = await tempDir('berth-config-');
  return writeBerthConfig(dir, { server: { host: '127.0.0.1', port }, dataDir, log: { level: 'info' }, ...extra });
}

/** What Berth wrote to stderr, without Node's own runtime warnings (`(node:123) ...Warning`). */
function berthStderr(berth: BerthMainProcess): string {
  return berth
    .stderr()
    .split('\n')
    .filter((line) => !/^\(node:\d+\) |^\(Use `node --trace-/.test(line))
    .join('\n');
}

function start(file: string): BerthMainProcess {
  const berth = spawnBerthMain(file);
  running.push(berth);
  return berth;
}

const blob = Buffer.from('kept across a SIGKILL');
const blobDigest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;

async function headBlob(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/v2/demo/kept/blobs/${blobDigest}`, { method: 'HEAD' })).status;
}

describe('one Berth process per embedded data directory', () => {
  it('refuses a second process on the same data directory with one line; after the first is SIGKILLed the next start takes over and finds its data', async () => {
    const dataDir = join(await tempDir('berth-shared-'), 'data');
    await mkdir(dataDir);
    const [port1, port2] = [await freePort(), await freePort()];
    const noAuth = { auth: { enabled: false } };
    const first = start(await configFile(port1, dataDir, noAuth));
    await first.waitForOutput(LISTENING);
    const pushed = await fetch(`http://127.0.0.1:${port1}/v2/demo/kept/blobs/uploads/?digest=${blobDigest}`, {
      method: 'POST',
      body: blob,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    expect(pushed.status).toBe(201);

    const second = start(await configFile(port2, dataDir, noAuth));
    // Whichever comes first: its exit, or (without the lock) serving beside the first.
    const outcome = await Promise.race([second.exited, second.waitForOutput(LISTENING).then(() => 'listening')]);
    expect(outcome).toEqual({ code: 1, signal: null });
    expect(berthStderr(second)).toBe(
      `berth: the embedded database ${join(dataDir, 'db')} is in use by another Berth process (pid ${first.pid} on ${hostname()}); stop it, or give this process its own dataDir\n`,
    );
    expect(await headBlob(port1)).toBe(200);

    await first.stop('SIGKILL');
    const third = start(await configFile(port2, dataDir, noAuth));
    await third.waitForOutput(LISTENING);
    expect(await headBlob(port2)).toBe(200);
    await third.stop();
    expect(await third.exited).toEqual({ code: 0, signal: null });
  });
});

describe('start-up messages', () => {
  let blocker: Server | undefined;
  afterAll(() => {
    blocker?.close();
  });

  it('a taken port ends the start with one line and exit 1 before the administrator is created; the next start prints its generated password as a plain line, and it logs in', async () => {
    const dataDir = join(await tempDir('berth-first-start-'), 'data');
    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(port, '127.0.0.1', resolve));
    const file = await configFile(port, dataDir);

    const refused = start(file);
    expect(await refused.exited).toEqual({ code: 1, signal: null });
    expect(berthStderr(refused)).toBe(`berth: port ${port} is in use; set server.port\n`);
    expect(refused.stdout()).not.toMatch(/password/);

    await new Promise<void>((resolve) => blocker?.close(() => resolve()));
    blocker = undefined;
    const berth = start(file);
    await berth.waitForOutput(LISTENING);
    const line = /^berth: created the administrator account "admin" with the generated password (\S+) \(shown only this once; change it, or set auth\.admin\.password\)$/m.exec(berth.stderr());
    const password = line?.[1];
    if (password === undefined) throw new Error(`no password line on stderr:\n${berth.stderr()}`);
    const basic = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
    const token = await fetch(`http://127.0.0.1:${port}/token?scope=registry:catalog:*`, { headers: { Authorization: basic } });
    expect(token.status).toBe(200);
    await berth.stop();

    // Shown once: a later start creates nothing and prints no password.
    const again = start(file);
    await again.waitForOutput(LISTENING);
    expect(again.stderr()).not.toMatch(/password/);
    await again.stop();
  });
});
