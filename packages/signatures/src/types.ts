/**
 * The contract between signature verification (this package) and the registry that gathers the evidence
 * (packages/core) and acts on the verdict. Verification is pure: it fetches nothing but the blobs it is
 * handed a reader for, and never throws for bad signature input (a bad signature is a failed check).
 */

/** Trusted material for one project, as written in its `signaturePolicy` (PEM text, not file paths). */
export interface TrustMaterial {
  cosign: { keys: { name: string; publicKey: string }[] };
  notation: { trustStore: string[]; trustedIdentities: string[] };
}

/** One artifact that may be a signature over the subject: a referrer, or a cosign `sha256-<hex>.sig` tag. */
export interface SignatureCandidate {
  /** Digest of the candidate's own manifest. */
  digest: string;
  /** Where it was found, for messages: pushed here, listed by the upstream, or the cosign tag schema. */
  source: 'local' | 'upstream' | 'cosign-tag';
  artifactType?: string;
  /** The candidate's manifest bytes, exactly as stored (its digest already checked by the caller). */
  manifest: Uint8Array;
  /** Reads one blob the manifest names; the caller checks the digest and bounds the size. */
  readBlob(digest: string): Promise<Uint8Array>;
}

export type SignatureKind = 'cosign-simple-signing' | 'cosign-bundle' | 'notation-jws' | 'notation-cose' | 'not-a-signature';

export interface SignatureCheck {
  digest: string;
  source: SignatureCandidate['source'];
  kind: SignatureKind;
  passed: boolean;
  /** The trusted key's name or the certificate subject that verified it, when it passed. */
  signer?: string;
  /** Why it failed (or how it passed), one line, safe to show to an anonymous client. */
  reason: string;
}

export interface Verdict {
  /** The manifest digest the signatures must be over. */
  subject: string;
  passed: boolean;
  checks: SignatureCheck[];
}

export interface SignatureVerifier {
  /** Checks every candidate; the subject passes when at least one signature verifies against the trust. */
  verify(subject: string, candidates: readonly SignatureCandidate[]): Promise<Verdict>;
}

/**
 * Builds a verifier from a project's trust material. Throws TrustMaterialError naming the field
 * (`cosign.keys[1].publicKey`, `notation.trustStore[0]`, `notation.trustedIdentities[0]`) for material that
 * does not parse, so config loading and the admin API can reject it with a clear message.
 */
export type CreateSignatureVerifier = (trust: TrustMaterial) => SignatureVerifier;

export class TrustMaterialError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'TrustMaterialError';
  }
}
