import { join } from 'node:path';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { skopeoCopy } from '../harness/clients.js';
import { buildImageLayout, type BuiltImage } from '../harness/oci-image.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { startFaultRelay, type FaultRelay } from '../harness/fault-relay.js';

// Berth with proxy projects in front of a docker-registry, reached through a fault relay that counts
// every upstream request and can fail on demand.

export interface ProxySetup {
  upstream: DockerRegistryUnderTest;
  relay: FaultRelay;
  berth: BerthUnderTest;
  stop(): Promise<void>;
}

/** Projects get `upstream: { url: relay.url }` added unless they name their own upstream. */
export async function startProxySetup(projects: Array<Record<string, unknown>>, config: Record<string, unknown> = {}): Promise<ProxySetup> {
  const upstream = await startDockerRegistry();
  const relay = await startFaultRelay(upstream.url).catch(async (error: unknown) => {
    await upstream.stop();
    throw error;
  });
  const withUpstream = projects.map((project) => (project.kind === 'proxy' && project.upstream === undefined ? { ...project, upstream: { url: relay.url } } : project));
  const berth = await startBerth({ config: { ...config, projects: withUpstream } }).catch(async (error: unknown) => {
    await relay.stop();
    await upstream.stop();
    throw error;
  });
  return {
    upstream,
    relay,
    berth,
    async stop() {
      await berth.stop();
      await relay.stop();
      await upstream.stop();
    },
  };
}

export const MANIFEST_PATH = /\/manifests\//;
export const BLOB_PATH = /\/blobs\/sha/;

/** Build an image layout under `work` and push it (every platform) to the upstream as `library/<name>:<tag>`. */
export async function pushUpstreamImage(
  setup: ProxySetup,
  work: string,
  name: string,
  options: Parameters<typeof buildImageLayout>[1],
): Promise<BuiltImage> {
  const image = await buildImageLayout(join(work, `layout-${name}`), options);
  const ref = `docker://${setup.upstream.host}/library/${name}:${options.tag}`;
  await skopeoCopy(`oci:${image.dir}:${options.tag}`, ref, { all: true, preserveDigests: true });
  return image;
}
