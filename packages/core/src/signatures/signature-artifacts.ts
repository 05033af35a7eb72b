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
  if (isIndexMediaType(manifest.mediaType)) return false;
  let layers;
  try {
    layers = parseManifest(manifest.content, manifest.mediaType).layers ?? [];
  } catch {
    return false;
  }
  return layers.length > 0 && layers.every((layer) => ENVELOPE_LAYER_TYPES.includes(layer.mediaType) || layer.mediaType.startsWith(SIGSTORE_BUNDLE_PREFIX));
}
