import { OciError, parseManifest, referencedBlobs, type Descriptor, type ParsedManifest } from '@berth/oci';
import type { StoredManifest } from '../manifests.js';
import type { ProxyContext } from '../proxy/proxy-context.js';
import type { ProxyService } from '../proxy/proxy-service.js';
import type { PrefetchRequest } from './background-work.js';

export interface PrefetchResult {
  manifests: number;
  /** Blobs fetched from the upstream now (already cached ones are not counted). */
  blobsFetched: number;
  referrers: number;
}

/** Blobs fetched at once by one prefetch job. */
const BLOB_CONCURRENCY = 3;

/**
 * Prefetch for proxy projects (off unless the project enables it): after a tag is pulled to a
 * manifest new to it, fetch through the cache what the client, or the next one, asks for next —
 * the configured platforms' manifests, their config and layer blobs, and the image's referrers
 * (signatures, SBOMs) with their blobs — so the next pull is all hits. Everything goes through the
 * same fills as client requests, so a client pulling meanwhile shares the upstream fetch.
 */
export class Prefetcher {
  constructor(private readonly proxy: ProxyService) {}

  async run(request: PrefetchRequest): Promise<PrefetchResult> {
    const result: PrefetchResult = { manifests: 0, blobsFetched: 0, referrers: 0 };
    const ctx = await this.proxy.contextFor(request.repository);
    if (ctx === null || !ctx.settings.prefetch.enabled) return result;
    const root = await this.manifest(ctx, request.digest, result);
    const images: Array<{ digest: string; parsed: ParsedManifest }> = [];
    if (root.parsed?.kind === 'index') {
      for (const child of root.parsed.manifests.filter((d) => wantedPlatform(d, ctx.settings.prefetch.platforms))) {
        const fetched = await this.manifest(ctx, child.digest, result);
        if (fetched.parsed !== undefined) images.push({ digest: child.digest, parsed: fetched.parsed });
      }
    } else if (root.parsed !== undefined) {
      images.push({ digest: request.digest, parsed: root.parsed });
    }
    await this.blobs(ctx, images.flatMap((image) => referencedBlobs(image.parsed)), result);
    if (ctx.settings.prefetch.referrers && ctx.settings.referrersProxy) {
      for (const subject of [request.digest, ...images.map((image) => image.digest)]) await this.referrers(ctx, subject, result);
    }
    return result;
  }

  private async manifest(ctx: ProxyContext, digest: string, result: PrefetchResult): Promise<{ stored: StoredManifest; parsed?: ParsedManifest }> {
    const { manifest } = await this.proxy.manifests.get(ctx, digest);
    result.manifests += 1;
    try {
      return { stored: manifest, parsed: parseManifest(manifest.content, manifest.mediaType) };
    } catch {
      return { stored: manifest }; // served byte-for-byte, but nothing in it to follow
    }
  }

  /** The upstream's referrers of `subject` (cached as a request would cache them), their manifests and blobs. */
  private async referrers(ctx: ProxyContext, subject: string, result: PrefetchResult): Promise<void> {
    const list = await this.proxy.referrers.upstreamList(ctx, subject);
    const blobs: string[] = [];
    for (const descriptor of list.descriptors) {
      const fetched = await this.manifest(ctx, descriptor.digest, result);
      result.referrers += 1;
      if (fetched.parsed?.kind === 'image') blobs.push(...referencedBlobs(fetched.parsed));
    }
    await this.blobs(ctx, blobs, result);
  }

  private async blobs(ctx: ProxyContext, digests: string[], result: PrefetchResult): Promise<void> {
    const queue = [...new Set(digests)];
    const worker = async (): Promise<void> => {
      for (let digest = queue.shift(); digest !== undefined; digest = queue.shift()) {
        const state = await this.proxy.blobs.ensureCached(ctx, digest);
        if (state === 'absent') throw new OciError('BLOB_UNKNOWN', `blob ${digest} of ${ctx.name} is not upstream`, { detail: { digest } });
        if (state === 'fetched') result.blobsFetched += 1;
      }
    };
    await Promise.all(Array.from({ length: BLOB_CONCURRENCY }, worker));
  }
}

/** An index entry of one of the platforms asked for (`os/arch` or `os/arch/variant`); every entry when none were. */
export function wantedPlatform(descriptor: Descriptor, platforms: readonly string[]): boolean {
  if (platforms.length === 0) return true;
  const platform = descriptor.platform;
  if (platform === undefined) return false;
  return platforms.some((wanted) => {
    const [os, architecture, variant] = wanted.split('/');
    return platform.os === os && platform.architecture === architecture && (variant === undefined || platform.variant === variant);
  });
}
