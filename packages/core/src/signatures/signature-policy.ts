import { createHash } from 'node:crypto';
import type { SignaturePolicyConfig } from '@berth/config';
import type { ProjectRow } from '@berth/db';
import type { TrustMaterial } from '@berth/signatures';

/** A project's signature policy as stored in `projects.settings.signaturePolicy` (validated on the way in). */
export type SignaturePolicy = SignaturePolicyConfig;

/** The stored policy of a project row, or undefined when it has none (not checked). */
export function signaturePolicyOf(row: Pick<ProjectRow, 'settings'>): SignaturePolicy | undefined {
  const stored = row.settings.signaturePolicy as Partial<SignaturePolicy> | undefined;
  if (stored === undefined || stored === null || typeof stored !== 'object') return undefined;
  return {
    mode: stored.mode ?? 'off',
    cosign: { keys: stored.cosign?.keys ?? [] },
    notation: { trustStore: stored.notation?.trustStore ?? [], trustedIdentities: stored.notation?.trustedIdentities ?? [] },
  };
}

export function trustMaterialOf(policy: SignaturePolicy): TrustMaterial {
  return { cosign: policy.cosign, notation: policy.notation };
}

/**
 * The version of a policy's trust material: verdicts are cached under it, so a changed key or
 * certificate recomputes them. The mode is not part of it (a verdict does not depend on what is
 * done with it), so switching audit to enforce keeps the verdicts already reached.
 */
export function policyVersion(policy: SignaturePolicy): string {
  const trust = trustMaterialOf(policy);
  const canonical = JSON.stringify({
    cosign: trust.cosign.keys.map((key) => [key.name, key.publicKey]),
    notation: [trust.notation.trustStore, trust.notation.trustedIdentities],
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}
