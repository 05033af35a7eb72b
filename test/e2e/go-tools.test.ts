import { describe, it, expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GO_TOOLS, toolPath } from '../harness/go-tools.js';

// The pinned Go clients that scripts/test-prereqs.mjs builds (scripts/go-tools.json) are there and
// run, so a test that reaches for one finds a working binary; cosign can use the OCI 1.1 referrers API.
// helm and kubeconform check the Helm chart.

const run = promisify(execFile);
const VERSION_ARGS: Record<string, string[]> = {
  cosign: ['version'],
  notation: ['version'],
  oras: ['version'],
  crane: ['version'],
  regctl: ['version'],
  // The Helm chart's checks (test/deploy/helm.test.ts).
  helm: ['version'],
  kubeconform: ['-v'],
};

describe('pinned Go test tools', () => {
  it('lists every client with a version command, and nothing else besides the conformance builds', () => {
    const clients = GO_TOOLS.filter((tool) => !tool.name.startsWith('conformance') && tool.kind !== 'local').map((tool) => tool.name);
    expect(clients.sort()).toEqual(Object.keys(VERSION_ARGS).sort());
  });

  it.each(Object.entries(VERSION_ARGS))('%s is built and runs', async (name, args) => {
    const { stdout, stderr } = await run(toolPath(name), args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' } });
    expect(`${stdout}${stderr}`.trim().length).toBeGreaterThan(0);
  });

  it('cosign offers the OCI 1.1 referrers mode', async () => {
    const { stdout, stderr } = await run(toolPath('cosign'), ['sign', '--help']);
    expect(`${stdout}${stderr}`).toMatch(/--registry-referrers-mode[\s\S]*oci-1-1/);
  });

  it('our own programs are built under a version naming their source hash', () => {
    const local = GO_TOOLS.filter((tool) => tool.kind === 'local');
    expect(local.map((tool) => tool.name)).toEqual(['containerd-referrers']);
    for (const tool of local) expect(toolPath(tool.name)).toMatch(new RegExp(`${tool.name}@src-[0-9a-f]{12}/${tool.name}$`));
  });

  it('both conformance builds are there', () => {
    for (const tool of GO_TOOLS.filter((t) => t.name.startsWith('conformance'))) expect(toolPath(tool.name)).toContain(`${tool.name}@${tool.version}`);
  });
});
