import { z } from 'zod';
import { COSIGN_SIMPLE_SIGNING, type Descriptor } from './candidate-manifest.js';
import { checkEachLayer, type CheckContext, type CheckOutcome } from './check-outcome.js';
import { decodeBase64, findSigningKey } from './key-signature.js';
import type { SignatureCandidate } from './types.js';

/**
 * cosign's simple-signing signatures (legacy `sha256-<hex>.sig` tags and OCI 1.1 referrers alike):
 * each simple-signing layer is a JSON payload naming the image digest, its signature (base64, over the
 * payload bytes) in a layer annotation. One passing layer passes the candidate.
 */

const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** Where keyless cosign puts the Fulcio certificate the signature was made with. */
const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

const payloadSchema = z.object({
  critical: z.object({
    identity: z.object({ 'docker-reference': z.string().optional() }).optional(),
    image: z.object({ 'docker-manifest-digest': z.string() }),
    type: z.string(),
  }),
});

async function checkLayer(layer: Descriptor, candidate: SignatureCandidate, { trust, subject }: CheckContext): Promise<CheckOutcome> {
  const encoded = layer.annotations?.[SIGNATURE_ANNOTATION];
  if (encoded === undefined) return { passed: false, reason: `the layer has no ${SIGNATURE_ANNOTATION} annotation` };
  const signature = decodeBase64(encoded);
  if (signature === undefined) return { passed: false, reason: 'the signature annotation is not base64' };
  const payload = await candidate.readBlob(layer.digest);
  let parsed: z.infer<typeof payloadSchema>;
  try {
    parsed = payloadSchema.parse(JSON.parse(Buffer.from(payload).toString('utf8')));
  } catch {
    return { passed: false, reason: 'the signed payload is not a cosign simple-signing payload' };
  }
  if (parsed.critical.type !== SIMPLE_SIGNING_TYPE) return { passed: false, reason: 'the payload is not a cosign container image signature' };
  // Checked before the signature so the message says what is wrong with a valid signature of another image.
  if (parsed.critical.image['docker-manifest-digest'] !== subject) {
    return { passed: false, reason: 'the signed payload is for another manifest digest' };
  }
  const signer = findSigningKey(trust.cosignKeys, payload, signature);
  if (signer === undefined) {
    if (layer.annotations?.[CERTIFICATE_ANNOTATION] !== undefined) {
      return { passed: false, reason: 'keyless signatures (signed with a Fulcio certificate) are not supported; sign with a key the project trusts' };
    }
    return { passed: false, reason: trust.cosignKeys.length === 0 ? 'no cosign keys are trusted' : 'the signature does not verify with any trusted cosign key' };
  }
  return { passed: true, signer, reason: `cosign signature verified with key ${signer}` };
}

export const checkCosignSimpleSigning = checkEachLayer((type) => type === COSIGN_SIMPLE_SIGNING, checkLayer);
