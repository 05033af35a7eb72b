export type { CreateSignatureVerifier, SignatureCandidate, SignatureCheck, SignatureKind, SignatureVerifier, TrustMaterial, Verdict } from './types.js';
export { TrustMaterialError } from './types.js';
export { createSignatureVerifier, type VerifierOptions } from './verifier.js';
/** Media types that name signatures, for code that gathers candidates. */
export { COSIGN_SIGNATURE_ARTIFACT, COSIGN_SIMPLE_SIGNING, NOTATION_COSE, NOTATION_JWS, NOTATION_SIGNATURE, SIGSTORE_BUNDLE_PREFIX } from './candidate-manifest.js';
