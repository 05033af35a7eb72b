import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it, expect } from '@jest/globals';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Runs in a fresh node (the sources through tsx): records every module URL the ESM loader loads,
 * imports the packages an embedded Berth starts from, then opens the optional drivers' code.
 * Prints which heavy libraries were loaded at each step.
 */
const probe = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
const hook = 'let port; export function initialize(data) { port = data.port; }'
  + ' export async function load(url, context, nextLoad) { port.postMessage(url); return nextLoad(url, context); }';
const { port1, port2 } = new MessageChannel();
const loaded = [];
port1.on('message', (url) => loaded.push(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(hook), pathToFileURL(process.cwd() + '/'), { data: { port: port2 }, transferList: [port2] });
// The hook thread posts asynchronously, in order: once a marker module loaded now is reported,
// every module loaded before it has been too (however long that took).
let markers = 0;
const settle = async () => {
  const marker = 'data:text/javascript,//settle-' + (markers += 1);
  await import(marker);
  while (!loaded.includes(marker)) await new Promise((resolve) => setTimeout(resolve, 5));
};
const heavy = () => ['bullmq', 'ioredis', '@aws-sdk'].filter((name) => loaded.some((url) => url.includes('/node_modules/' + name + '/')));
await import('@berth/runtime');
const { BullJobQueue } = await import('@berth/jobs');
const { openS3BlobStore } = await import('@berth/storage');
await settle();
const atStart = heavy();
await BullJobQueue.preload();
await settle();
const withQueue = heavy();
await openS3BlobStore({ region: 'us-east-1', bucket: 'probe', endpoint: 'http://127.0.0.1:9' });
await settle();
process.stdout.write(JSON.stringify({ modules: loaded.length, atStart, withQueue, withS3: heavy() }));
`;

describe('optional drivers', () => {
  it('are not loaded by importing the runtime; BullMQ and the AWS SDK load only when opened', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
      cwd: repoRoot,
      timeout: 60_000,
    });
    const result = JSON.parse(stdout) as { modules: number; atStart: string[]; withQueue: string[]; withS3: string[] };
    // The recording works: the runtime's own module graph was seen.
    expect(result.modules).toBeGreaterThan(100);
    // ioredis, BullMQ and the AWS SDK cost ~20-25 MB of resident memory each; embedded Berth needs none.
    expect(result.atStart).toEqual([]);
    expect(result.withQueue).toEqual(['bullmq', 'ioredis']);
    expect(result.withS3).toEqual(['bullmq', 'ioredis', '@aws-sdk']);
  }, 60_000);
});
