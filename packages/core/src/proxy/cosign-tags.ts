import { digestOf } from '@berth/oci';

/** Cosign's legacy tags `sha256-<hex>.<suffix>` and the artifactType their referrers descriptors get. */
export const COSIGN_TAG_SUFFIXES = [
  { suffix: 'sig', artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' },
  { suffix: 'att', artifactType: 'application/vnd.dev.cosign.artifact.att.v1+json' },
  { suffix: 'sbom', artifactType: 'application/vnd.dev.cosign.artifact.sbom.v1+json' },
] as const;

/** Names the cosign tag a referrers descriptor came from (the same annotation the upstream side uses). */
export const COSIGN_TAG_ANNOTATION = 'dev.berth.cosign-tag';

const COSIGN_TAG = /^(sha256-[0-9a-f]{64}|sha512-[0-9a-f]{128})\.(sig|att|sbom)$/;

export function isCosignTag(tag: string): boolean {
  return COSIGN_TAG.test(tag);
}

interface LayeredManifest {
  layers?: unknown;
  [key: string]: unknown;
}

/**
 * A cosign tag pushed to Berth, with the layers of the upstream's manifest under the same tag that
 * it lacks appended (each layer descriptor once, the local ones first and unchanged). Cosign keeps one
 * signature (or attestation) per layer and verifies each layer alone, so the union is what both
 * sides signed. Null when the upstream adds nothing or either side is not an image manifest with
 * layers: the local manifest is then served as it is.
 */
export function withUpstreamLayers(local: Uint8Array, upstream: Uint8Array): { bytes: Buffer; digest: string } | null {
  const mine = parseLayered(local);
  const theirs = parseLayered(upstream);
  if (mine === null || theirs === null) return null;
  // Not by digest alone: every cosign signature of one image signs the same payload blob, and
  // only the layer's annotations (the signature, certificate, bundle) tell two signatures apart.
  const have = new Set(mine.layers.map(canonical));
  const added = theirs.layers.filter((layer) => {
    const key = canonical(layer);
    if (typeof layer !== 'object' || layer === null || have.has(key)) return false;
    have.add(key);
    return true;
  });
  if (added.length === 0) return null;
  const bytes = Buffer.from(JSON.stringify({ ...mine.doc, layers: [...mine.layers, ...added] }));
  return { bytes, digest: digestOf(bytes) };
}

function parseLayered(bytes: Uint8Array): { doc: LayeredManifest; layers: unknown[] } | null {
  try {
    const doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as LayeredManifest;
    if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.layers)) return null;
    return { doc, layers: doc.layers as unknown[] };
  } catch {
    return null;
  }
}

/** JSON with object keys sorted, so equal descriptors compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
