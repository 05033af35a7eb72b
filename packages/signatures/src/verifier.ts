import { classifyManifest, parseCandidateManifest } from './candidate-manifest.js';
import { checkCosignSimpleSigning } from './cosign-simple-signing.js';
import type { CheckContext, CheckOutcome, ManifestCheck } from './check-outcome.js';
import { checkNotationCose } from './notation-cose.js';
import { checkNotationJws } from './notation-jws.js';
import { checkSigstoreBundle } from './sigstore-bundle.js';
import { parseTrust } from './trust.js';
import type { SignatureCandidate, SignatureCheck, SignatureKind, SignatureVerifier, TrustMaterial, Verdict } from './types.js';

/**
 * Builds a project's verifier: the trust material is parsed here, once (TrustMaterialError names the
 * field that does not parse), and each `verify` classifies every candidate by its manifest and runs
 * the check of its kind. A check never throws: whatever goes wrong is that candidate's failed check.
 */

export interface VerifierOptions {
  /** The time certificates and expiry are checked at; now by default. */
  now?: () => Date;
}

const CHECKS: Record<Exclude<SignatureKind, 'not-a-signature'>, ManifestCheck> = {
  'cosign-simple-signing': checkCosignSimpleSigning,
  'cosign-bundle': checkSigstoreBundle,
  'notation-jws': checkNotationJws,
  'notation-cose': checkNotationCose,
};

const MAX_REASON = 300;

/** One line, bounded, for a message an anonymous client may read. */
function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line;
}

async function checkCandidate(candidate: SignatureCandidate, context: CheckContext): Promise<SignatureCheck> {
  const base = { digest: candidate.digest, source: candidate.source };
  const parsed = parseCandidateManifest(candidate.manifest);
  if (!parsed.ok) {
    // A listed signature whose manifest is broken still counts as a failed signature, with its reason.
    return { ...base, kind: candidate.artifactType === undefined ? 'not-a-signature' : kindOfListed(candidate.artifactType), passed: false, reason: parsed.reason };
  }
  const kind = classifyManifest(parsed.manifest, candidate.artifactType);
  if (kind === 'not-a-signature') return { ...base, kind, passed: false, reason: 'not a signature' };
  let outcome: CheckOutcome;
  try {
    outcome = await CHECKS[kind](parsed.manifest, candidate, context);
  } catch {
    // Checks turn bad input into reasons themselves; what lands here is mostly the caller's blob reader
    // failing (missing, too large, wrong digest), whose message may name storage internals: the
    // reason stays generic for anonymous clients.
    outcome = { passed: false, reason: 'the signature could not be checked (reading or decoding it failed)' };
  }
  const check: SignatureCheck = { ...base, kind, passed: outcome.passed, reason: oneLine(outcome.reason) };
  if (outcome.passed && outcome.signer !== undefined) check.signer = outcome.signer;
  return check;
}

/** The kind a broken manifest would have had, from the artifact type it was listed with. */
function kindOfListed(artifactType: string): SignatureKind {
  return classifyManifest({ artifactType }, undefined);
}

export function createSignatureVerifier(trustMaterial: TrustMaterial, options: VerifierOptions = {}): SignatureVerifier {
  const trust = parseTrust(trustMaterial);
  const now = options.now ?? (() => new Date());
  return {
    async verify(subject: string, candidates: readonly SignatureCandidate[]): Promise<Verdict> {
      const context: CheckContext = { trust, subject, now: now() };
      const checks: SignatureCheck[] = [];
      // One at a time: a verdict is usually decided by few candidates, and the caller's blob reads stay sequential.
      for (const candidate of candidates) checks.push(await checkCandidate(candidate, context));
      return { subject, passed: checks.some((check) => check.passed), checks };
    },
  };
}
