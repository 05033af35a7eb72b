import * as z from 'zod';
import { TrustMaterialError, createSignatureVerifier } from '@berth/signatures';
import { nonEmpty } from './primitives.js';

/**
 * A project's signature policy (issue 17): which signatures it trusts, and whether an image without
 * one is refused (`enforce`), served and reported (`audit`), or not checked (`off`). Keys and
 * certificates are PEM text: public material, stored in the project's settings and shown by the
 * admin API. Whether the PEM parses as a key or certificate is decided by building the verifier
 * here, at load time (and for each admin API change), so the error names the exact field.
 */

const cosignKeySchema = z.strictObject({
  /** Named in verdicts (`signed by team`) and in messages. */
  name: nonEmpty.max(128),
  publicKey: z.string().max(64 * 1024),
});

export const signaturePolicySchema = z
  .strictObject({
    mode: z.enum(['off', 'audit', 'enforce']).default('off'),
    cosign: z.strictObject({ keys: z.array(cosignKeySchema).max(64).default([]) }).prefault({}),
    notation: z
      .strictObject({
        /** CA (or leaf) certificates a notation signature's chain must end in. */
        trustStore: z.array(z.string().max(64 * 1024)).max(64).default([]),
        /** `x509.subject: CN=...,O=...` or `*`, as in notation's trust policy. */
        trustedIdentities: z.array(nonEmpty.max(1024)).max(64).default([]),
      })
      .prefault({}),
  })
  .superRefine((policy, ctx) => {
    const names = new Set<string>();
    policy.cosign.keys.forEach((key, index) => {
      if (names.has(key.name)) ctx.addIssue({ code: 'custom', path: ['cosign', 'keys', index, 'name'], message: `duplicate key name "${key.name}"` });
      names.add(key.name);
    });
    if (policy.mode !== 'off' && policy.cosign.keys.length === 0 && policy.notation.trustStore.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['mode'], message: `${policy.mode} needs something to trust: cosign.keys or notation.trustStore` });
    }
    if (policy.notation.trustStore.length > 0 && policy.notation.trustedIdentities.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['notation', 'trustedIdentities'], message: 'required with notation.trustStore (use "*" to accept any identity the trust store vouches for)' });
    }
    checkTrustMaterial(policy, ctx);
  });

/** Keys and certificates that do not parse: a problem at the field the verifier names (`cosign.keys[1].publicKey`). */
function checkTrustMaterial(policy: { cosign: { keys: { name: string; publicKey: string }[] }; notation: { trustStore: string[]; trustedIdentities: string[] } }, ctx: z.core.$RefinementCtx<unknown>): void {
  try {
    createSignatureVerifier({ cosign: policy.cosign, notation: policy.notation });
  } catch (error) {
    if (!(error instanceof TrustMaterialError)) throw error;
    const path = error.field.split(/[.[\]]/).filter((part) => part !== '').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    ctx.addIssue({ code: 'custom', path, message: error.message.slice(error.field.length + 2) });
  }
}
