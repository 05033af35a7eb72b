import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MANIFEST_ACCEPT } from '../api/content.js';
import { send, type HttpResult } from '../api/helpers.js';
import { startBerthWithLog, type BerthWithLog } from '../auth/berth-with-log.js';
import { loopbackCertificate } from '../harness/certificates.js';
import { freePort } from '../harness/ports.js';

// An upstream that cannot be used says which one and why, in the client's OCI error (message and
// detail) and in the log line: the host asked and the errno or TLS reason (connection refused, DNS
// lookup failed, certificate error, timeout), for manifests (undici) and blobs (own connection).

const BLOB = `sha256:${'ab'.repeat(32)}`;

let dir: string;
let closedPort: number;
let tlsServer: HttpsServer;
let tlsPort: number;
let silent: TcpServer;
let silentPort: number;
const silentSockets = new Set<Socket>();
let berth: BerthWithLog;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-upstream-diag-'));
  const { certificate, key } = await loopbackCertificate(dir);
  tlsServer = createHttpsServer({ cert: await readFile(certificate), key: await readFile(key) }, (_req, res) => res.writeHead(404).end());
  tlsPort = await freePort();
  await new Promise<void>((resolve) => tlsServer.listen(tlsPort, '127.0.0.1', resolve));
  // Accepts connections and never answers.
  silent = createTcpServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
    socket.resume();
  });
  silentPort = await freePort();
  await new Promise<void>((resolve) => silent.listen(silentPort, '127.0.0.1', resolve));
  closedPort = await freePort();
  berth = await startBerthWithLog({
    projects: [
      { kind: 'proxy', name: 'refused', upstream: { url: `http://127.0.0.1:${closedPort}` } },
      { kind: 'proxy', name: 'nodns', upstream: { url: 'http://berth-no-such-host.invalid:5000' } },
      { kind: 'proxy', name: 'badcert', upstream: { url: `https://127.0.0.1:${tlsPort}` } },
      { kind: 'proxy', name: 'silent', upstream: { url: `http://127.0.0.1:${silentPort}`, timeouts: { headersSeconds: 1 } } },
    ],
  }, { level: 'warn' });
}, 60_000);

afterAll(async () => {
  await berth?.stop();
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  tlsServer?.closeAllConnections();
  await new Promise((resolve) => tlsServer?.close(resolve));
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface Entry {
  code: string;
  message: string;
  detail?: { upstream?: string; host?: string; reason?: string; error?: string };
}

function entryOf(answer: HttpResult): Entry {
  expect(answer.status).toBe(503);
  const [entry] = answer.json<{ errors: Entry[] }>().errors;
  expect(entry?.code).toBe('UNAVAILABLE');
  return entry!;
}

const cases = [
  { project: 'refused', host: () => `127.0.0.1:${closedPort}`, why: /connection refused \(ECONNREFUSED\)/ },
  { project: 'nodns', host: () => 'berth-no-such-host.invalid:5000', why: /DNS lookup failed .*\((ENOTFOUND|EAI_AGAIN)\)/ },
  { project: 'badcert', host: () => `127.0.0.1:${tlsPort}`, why: /TLS certificate error \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/ },
  { project: 'silent', host: () => `127.0.0.1:${silentPort}`, why: /timeout waiting for the answer headers/ },
];

describe.each(cases)('upstream of $project', ({ project, host, why }) => {
  it.each([
    ['manifest', `/v2/${project}/library/app/manifests/v1`],
    ['blob', `/v2/${project}/library/app/blobs/${BLOB}`],
  ])('a %s names the upstream, its host and the reason in the error and the log', async (_what, path) => {
    const answer = await send(berth.url, 'GET', path, { headers: { Accept: MANIFEST_ACCEPT } });
    const entry = entryOf(answer);
    expect(entry.message).toContain(host());
    expect(entry.message).toMatch(why);
    expect(entry.detail).toEqual(expect.objectContaining({ upstream: project, host: host(), error: expect.stringMatching(why) }));
    const logged = berth.records.filter((record) => record.msg === 'request failed: unavailable' && record.url === path);
    expect(logged.length).toBeGreaterThan(0);
    expect(String(logged.at(-1)?.reason)).toContain(host());
    expect(String(logged.at(-1)?.reason)).toMatch(why);
  }, 30_000);
});
