import { isIndexMediaType, parseManifest } from '@berth/oci';
import { COSIGN_SIMPLE_SIGNING, NOTATION_COSE, NOTATION_JWS, SIGSTORE_BUNDLE_PREFIX } from '@berth/signatures';
import type { StoredManifest } from '../manifests.js';

/** Layer media types that carry a signature or an attestation envelope, never a filesystem. */
const ENVELOPE_LAYER_TYPES: readonly string[] = [COSIGN_SIMPLE_SIGNING, NOTATION_JWS, NOTATION_COSE, 'application/vnd.dsse.envelope.v1+json'];

/**
 * A manifest whose every layer is a signature or attestation envelope: what `cosign verify` and
 * `notation verify` read back (by the `.sig` tag or by digest) to check an image. It is not an
 * image anyone can run, so the policy does not require it to be signed itself. Judged by the
 * layers and not by `artifactType` or `subject`, which a pusher may put on a runnable image.
 */
export function isSignatureArtifact(manifest: StoredManifest): boolean {
  const known = judged.get(manifest);
  if (known !== undefined) return known;
  const answer = judge(manifest);
  judged.set(manifest, answer);
  return answer;
}

/**
 * Answers by manifest object: a manifest served from memory (hosted or proxied) is the same object
 * on every GET, so its bytes are parsed once, not on every request under a policy. Stored manifests
 * are never changed in place.
 */
const judged = new WeakMap<StoredManifest, boolean>();

function judge(manifest: StoredManifest): boolean {
  if (isIndexMediaType(manifest.mediaType)) return false;
  let layers;
  try {
    layers = parseManifest(manifest.content, manifest.mediaType).layers ?? [];
  } catch {
    return false;
  }
  return layers.length > 0 && layers.every((layer) => ENVELOPE_LAYER_TYPES.includes(layer.mediaType) || layer.mediaType.startsWith(SIGSTORE_BUNDLE_PREFIX));
}
