import { signatureLayers, type CandidateManifest, type Descriptor } from './candidate-manifest.js';
import type { ParsedTrust } from './trust.js';
import type { SignatureCandidate } from './types.js';

/**
 * What every kind of check shares: its outcome, what it is checked against, and the rule that a
 * candidate passes when any one of its signature layers does.
 */

export interface CheckOutcome {
  passed: boolean;
  reason: string;
  signer?: string;
}

export interface CheckContext {
  trust: ParsedTrust;
  /** The manifest digest the signature must be over. */
  subject: string;
  /** The time certificates and expiry are checked at. */
  now: Date;
}

export type LayerCheck = (layer: Descriptor, candidate: SignatureCandidate, context: CheckContext) => Promise<CheckOutcome>;
export type ManifestCheck = (manifest: CandidateManifest, candidate: SignatureCandidate, context: CheckContext) => Promise<CheckOutcome>;

/**
 * A manifest check that runs `checkLayer` on each layer whose media type `matches`, in order, and
 * stops at the first that passes (one manifest may carry several signatures).
 */
export function checkEachLayer(matches: (mediaType: string) => boolean, checkLayer: LayerCheck): ManifestCheck {
  return async (manifest, candidate, context) => {
    const layers = signatureLayers(manifest, matches);
    if (typeof layers === 'string') return { passed: false, reason: layers };
    const reasons = new Set<string>();
    for (const layer of layers) {
      const outcome = await checkLayer(layer, candidate, context);
      if (outcome.passed) return outcome;
      reasons.add(outcome.reason);
    }
    // None passed: every distinct reason, in the layers' order.
    return { passed: false, reason: [...reasons].join('; ') };
  };
}
