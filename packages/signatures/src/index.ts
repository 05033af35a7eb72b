export type { CreateSignatureVerifier, SignatureCandidate, SignatureCheck, SignatureKind, SignatureVerifier, TrustMaterial, Verdict } from './types.js';
export { TrustMaterialError } from './types.js';
export { createSignatureVerifier, type VerifierOptions } from './verifier.js';
