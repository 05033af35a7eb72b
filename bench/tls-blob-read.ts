/**
 * Reading a blob over TLS, the two ways Berth's upstream client could: undici's pooled client, or
 * a TLS socket of its own reading 'data' records and copying each out (what blob-connection.ts did
 * for https before it became plain-HTTP only). Both hash every byte, as a fill does. One blob from
 * docker-registry over https on loopback, the two readers in turns: MB/s and the client's CPU seconds.
 * Usage: npx tsx bench/tls-blob-read.ts [-- --size-mib 256 --rounds 4]
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { loopbackCertificate } from '../test/harness/certificates.js';
import { buildDockerRegistryConfig } from '../test/harness/docker-registry.js';
import { freePort } from '../test/harness/ports.js';
import { startService } from '../test/harness/process.js';
import { writePseudoRandomFile } from './lib.js';
import { pushImage, startUpstream } from './pull-through-servers.js';

const { values } = parseArgs({ options: { 'size-mib': { type: 'string', default: '256' }, rounds: { type: 'string', default: '4' } } });
const size = Number(values['size-mib']) * 1024 * 1024;
const dir = await mkdtemp(join(tmpdir(), 'berth-bench-tls-'));

// The blob is pushed over plain HTTP; a second docker-registry serves the same storage over https.
const file = join(dir, 'blob');
const digest = await writePseudoRandomFile(file, size);
const plain = await startUpstream(dir);
await pushImage(plain.url, { file, size, digest });
const { certificate, key } = await loopbackCertificate(dir);
const port = await freePort();
await writeFile(join(dir, 'tls.json'), JSON.stringify(buildDockerRegistryConfig({ port, storageDir: join(dir, 'upstream'), tls: { certificate, key } })));
const secure = await startService('/usr/bin/docker-registry', ['serve', join(dir, 'tls.json')], { port });
const url = new URL(`https://127.0.0.1:${port}/v2/img/blobs/${digest}`);
const agent = new Agent({ connect: { rejectUnauthorized: false } });

async function viaUndici(): Promise<void> {
  const res = await request(url, { dispatcher: agent });
  const hash = createHash('sha256');
  for await (const chunk of res.body) hash.update(chunk as Buffer);
  if (`sha256:${hash.digest('hex')}` !== digest) throw new Error('undici: wrong digest');
}

function viaOwnTlsSocket(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const hash = createHash('sha256');
    let head: Buffer | undefined = Buffer.alloc(0);
    let received = 0;
    socket.on('secureConnect', () => socket.write(`GET ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: close\r\n\r\n`));
    socket.on('data', (data: Buffer) => {
      let bytes = data;
      if (head !== undefined) {
        head = Buffer.concat([head, bytes]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        bytes = head.subarray(end + 4);
        head = undefined;
      }
      const copy = Buffer.allocUnsafe(bytes.length); // the record buffer is not the reader's to keep
      bytes.copy(copy);
      hash.update(copy);
      received += copy.length;
    });
    socket.on('end', () => (received === size && `sha256:${hash.digest('hex')}` === digest ? resolve() : reject(new Error(`own socket: ${received} bytes`))));
    socket.on('error', reject);
  });
}

try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, read] of [['undici (pooled)', viaUndici], ['own TLS socket', viaOwnTlsSocket]] as const) {
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      await read();
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(cpu);
      console.log(`${name.padEnd(16)} ${(size / 1e6 / wall).toFixed(0).padStart(5)} MB/s, client CPU ${((used.user + used.system) / 1e6).toFixed(2)} s`);
    }
  }
} finally {
  await agent.close();
  await secure.stop();
  await plain.stop();
  await rm(dir, { recursive: true, force: true });
}
