// Builds the zero-copy sendfile addon at install time. It never fails the install: where there is
// no compiler (or not Linux), Berth copies file bytes through user space instead, as it says at start.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

if (process.platform !== 'linux') {
  console.log('@berth/sendfile: not Linux, the addon is not built (files are sent by copying)');
  process.exit(0);
}
// npm names its bundled node-gyp for lifecycle scripts; outside npm, look beside this node.
const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const nodeGyp = process.env.npm_config_node_gyp ?? (existsSync(bundled) ? bundled : undefined);
if (nodeGyp === undefined) {
  console.log('@berth/sendfile: node-gyp not found, the addon is not built (files are sent by copying)');
  process.exit(0);
}
// Build against the headers that ship with this Node (<prefix>/include/node) when it has them: node-gyp
// would otherwise try to download them, and this machine may reach no download host.
const prefix = join(dirname(process.execPath), '..');
const shippedHeaders = existsSync(join(prefix, 'include', 'node', 'node_api.h'));
const args = [nodeGyp, 'rebuild', ...(shippedHeaders ? [`--nodedir=${prefix}`] : [])];
const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.status !== 0) {
  console.log(`@berth/sendfile: the addon did not build (files are sent by copying):\n${(result.stderr || result.stdout || '').split('\n').slice(-15).join('\n')}`);
  process.exit(0);
}
console.log('@berth/sendfile: addon built');
