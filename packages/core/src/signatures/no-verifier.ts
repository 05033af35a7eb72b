import type { CreateSignatureVerifier } from '@berth/signatures';
import { TrustMaterialError } from '@berth/signatures';

/**
 * Stand-in until @berth/signatures exports its verifier (issue 17 is built in two halves): a policy
 * cannot be applied, so every verdict fails with this reason (enforce refuses, audit reports).
 * Replaced by the package's createSignatureVerifier when its half is merged.
 */
export const createSignatureVerifier: CreateSignatureVerifier = () => {
  throw new TrustMaterialError('cosign.keys', 'this build has no signature verifier');
};
