import type { Readable } from 'node:stream';
import { digestOf, parseDigest, type Descriptor } from '@berth/oci';
import { COSIGN_SIGNATURE_ARTIFACT, NOTATION_SIGNATURE, SIGSTORE_BUNDLE_PREFIX, type SignatureCandidate, type SignatureCheck } from '@berth/signatures';
import type { BlobService } from '../blobs.js';
import type { ManifestService } from '../manifests.js';
import type { ContentVersions } from '../proxy/content-versions.js';
import type { ProxyContext } from '../proxy/proxy-context.js';
import type { ProxyService } from '../proxy/proxy-service.js';
import { COSIGN_TAG_ANNOTATION } from '../proxy/cosign-tags.js';

/** Artifact types that may be a signature over their subject; other referrers (SBOMs, attestations) are not evidence. */
const SIGNATURE_ARTIFACT_TYPES: readonly string[] = [COSIGN_SIGNATURE_ARTIFACT, NOTATION_SIGNATURE];

function isSignatureDescriptor(descriptor: Descriptor): boolean {
  const type = descriptor.artifactType ?? '';
  return SIGNATURE_ARTIFACT_TYPES.includes(type) || type.startsWith(SIGSTORE_BUNDLE_PREFIX);
}

export interface EvidenceLimits {
  /** Candidates checked per subject; more are named in the verdict, not read. */
  maxCandidates: number;
  /** Largest blob (or manifest) read for a candidate. */
  maxBlobBytes: number;
}

const DEFAULT_EVIDENCE_LIMITS: EvidenceLimits = { maxCandidates: 100, maxBlobBytes: 4 * 1024 * 1024 };

export interface GatheredEvidence {
  candidates: SignatureCandidate[];
  /** Candidates that could not be read: failed checks already. */
  unreadable: SignatureCheck[];
  /** Signature entries beyond maxCandidates, not checked. */
  skipped: number;
  maxCandidates: number;
}

/**
 * Reads the signatures listed for a subject through the registry's own read path for the repository:
 * a hosted repository's stored manifests and linked blobs; a proxy repository's through the
 * pull-through cache (a cold pull fetches them from the upstream, digest-checked by the fill), so
 * evidence is never read from a repository the caller could not pull from.
 */
export class SignatureEvidence {
  constructor(
    private readonly deps: { manifests: Pick<ManifestService, 'get'>; blobs: Pick<BlobService, 'stat' | 'open'>; proxy: Pick<ProxyService, 'manifests' | 'blobs'> },
    private readonly limits: EvidenceLimits = DEFAULT_EVIDENCE_LIMITS,
  ) {}

  /**
   * `fromUpstream`: digests of entries only the upstream listed (named as such in the verdict).
   * `versions`: the request's reads of the content versions (ContentVersionReads), so that reading
   * the signature manifests of a hosted repository does not read the version once per signature.
   */
  async gather(name: string, proxy: ProxyContext | null, listed: readonly Descriptor[], fromUpstream: ReadonlySet<string>, versions?: Pick<ContentVersions, 'current'>): Promise<GatheredEvidence> {
    const signatures = listed.filter(isSignatureDescriptor);
    const chosen = signatures.slice(0, this.limits.maxCandidates);
    // Read at once; Promise.all keeps the referrers answer's order, which the verdict lists them in.
    const read = await Promise.all(
      chosen.map(async (descriptor): Promise<SignatureCandidate | SignatureCheck> => {
        const source = sourceOf(descriptor, fromUpstream);
        try {
          return await this.candidate(name, proxy, descriptor, source, versions);
        } catch (error) {
          return { digest: descriptor.digest, source, kind: 'not-a-signature', passed: false, reason: `could not be read: ${messageOf(error)}` };
        }
      }),
    );
    const candidates = read.filter((entry): entry is SignatureCandidate => 'manifest' in entry);
    const unreadable = read.filter((entry): entry is SignatureCheck => !('manifest' in entry));
    return { candidates, unreadable, skipped: signatures.length - chosen.length, maxCandidates: this.limits.maxCandidates };
  }

  private async candidate(name: string, proxy: ProxyContext | null, descriptor: Descriptor, source: SignatureCandidate['source'], versions?: Pick<ContentVersions, 'current'>): Promise<SignatureCandidate> {
    this.assertWithinLimit('manifest', descriptor.size);
    const manifest = proxy === null ? await this.deps.manifests.get(name, descriptor.digest, versions) : (await this.deps.proxy.manifests.get(proxy, descriptor.digest)).manifest;
    if (digestOf(manifest.content, parseDigest(descriptor.digest).algorithm) !== descriptor.digest) throw new Error('manifest bytes do not match its digest');
    return {
      digest: descriptor.digest,
      source,
      ...(descriptor.artifactType !== undefined ? { artifactType: descriptor.artifactType } : {}),
      manifest: manifest.content,
      readBlob: (digest) => this.readBlob(name, proxy, digest),
    };
  }

  /** One blob a candidate names, whole, at most maxBlobBytes, its digest checked. */
  private async readBlob(name: string, proxy: ProxyContext | null, digest: string): Promise<Uint8Array> {
    const { algorithm } = parseDigest(digest);
    const { size } = proxy === null ? await this.deps.blobs.stat(name, digest) : await this.deps.proxy.blobs.stat(proxy, digest);
    this.assertWithinLimit(`blob ${digest}`, size);
    const stream = proxy === null ? await this.deps.blobs.open(digest) : (await this.deps.proxy.blobs.read(proxy, digest, undefined)).stream;
    const bytes = await readBounded(stream, this.limits.maxBlobBytes, digest);
    if (digestOf(bytes, algorithm) !== digest) throw new Error(`blob ${digest} does not match its digest`);
    return bytes;
  }

  private assertWithinLimit(what: string, size: number): void {
    if (size > this.limits.maxBlobBytes) throw new Error(`${what} of ${size} bytes is over the ${this.limits.maxBlobBytes}-byte limit`);
  }
}

async function readBounded(stream: Readable, maxBytes: number, digest: string): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > maxBytes) throw new Error(`blob ${digest} is over the ${maxBytes}-byte limit`);
      chunks.push(chunk);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}

function sourceOf(descriptor: Descriptor, fromUpstream: ReadonlySet<string>): SignatureCandidate['source'] {
  if (descriptor.annotations?.[COSIGN_TAG_ANNOTATION] !== undefined) return 'cosign-tag';
  return fromUpstream.has(descriptor.digest) ? 'upstream' : 'local';
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200);
}
