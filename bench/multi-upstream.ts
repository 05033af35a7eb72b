/**
 * Virtual-registry benchmark (issue 20): what a second upstream costs. A project whose first
 * upstream lacks the image (404) and whose second has it, against a project with only the second:
 *  - a cold tag: the upstream round trips of a first pull by tag (manifest HEAD/GET), counted by
 *    relays in front of each upstream; the virtual project must cost exactly one more (the 404);
 *  - a cached tag (within its TTL): manifest GETs per second with wrk, both projects, same process.
 * Usage: npm run bench:multi-upstream [-- --tags 5 --wrk-seconds 5 --wrk-connections 32]
 */
import { parseArgs } from 'node:util';
import { pushImage } from '../test/upstream/push.js';
import { startBerth } from '../test/harness/berth.js';
import { startDockerRegistry } from '../test/harness/docker-registry.js';
import { startFaultRelay } from '../test/harness/fault-relay.js';
import { requirePositiveIntegers, wrk, wrkLoadOf } from './lib.js';

const { values } = parseArgs({
  options: {
    tags: { type: 'string', default: '5' },
    'wrk-seconds': { type: 'string', default: '5' },
    'wrk-connections': { type: 'string', default: '32' },
  },
});
const TAGS = Number(values.tags);
const WRK = wrkLoadOf(values);
requirePositiveIntegers({ tags: TAGS, 'wrk-seconds': WRK.seconds, 'wrk-connections': WRK.connections });
const ACCEPT = { Accept: 'application/vnd.oci.image.manifest.v1+json' };

const empty = await startDockerRegistry();
const full = await startDockerRegistry();
const [emptyRelay, fullRelay] = [await startFaultRelay(empty.url), await startFaultRelay(full.url)];
const berth = await startBerth({
  config: {
    projects: [
      { kind: 'proxy', name: 'virt', upstreams: [{ url: emptyRelay.url, name: 'empty' }, { url: fullRelay.url, name: 'full' }] },
      { kind: 'proxy', name: 'one', upstream: { url: fullRelay.url } },
    ],
  },
});
try {
  const roundTrips = () => emptyRelay.requests().length + fullRelay.requests().length;
  const coldCost = async (project: string, tag: string): Promise<number> => {
    const before = roundTrips();
    const res = await fetch(`${berth.url}/v2/${project}/bench/app/manifests/${tag}`, { headers: ACCEPT });
    if (res.status !== 200) throw new Error(`${project} ${tag}: ${res.status}`);
    await res.arrayBuffer();
    return roundTrips() - before;
  };
  const costs = { one: [] as number[], virt: [] as number[] };
  for (let i = 0; i < TAGS; i += 1) {
    await pushImage(full.url, 'bench/app', `t${i}`, [1000]);
    costs.one.push(await coldCost('one', `t${i}`));
    costs.virt.push(await coldCost('virt', `t${i}`));
  }
  console.log(`cold tag, upstream round trips per pull: one upstream ${costs.one.join(' ')}; first upstream 404 ${costs.virt.join(' ')}`);
  const extra = costs.virt.map((cost, i) => cost - costs.one[i]!);
  console.log(`extra round trips with a 404 first: ${extra.join(' ')} -> ${extra.every((n) => n === 1) ? 'PASS (exactly one)' : 'MISS'}`);

  const rps: Record<string, number> = {};
  for (const project of ['one', 'virt']) {
    const url = `${berth.url}/v2/${project}/bench/app/manifests/t0`;
    const result = await wrk(url, ACCEPT, WRK);
    if (result.failures > 0) throw new Error(`${project}: ${result.failures} failed requests`);
    rps[project] = result.requestsPerSecond;
  }
  console.log(`cached tag GET req/s (within the TTL): one upstream ${rps.one!.toFixed(0)}; two upstreams ${rps.virt!.toFixed(0)} (ratio ${(rps.virt! / rps.one!).toFixed(2)})`);
} finally {
  await berth.stop();
  await emptyRelay.stop();
  await fullRelay.stop();
  await empty.stop();
  await full.stop();
}
