import * as z from 'zod';
import { nonEmpty } from './primitives.js';

/**
 * A project's signature policy (issue 17): which signatures it trusts, and whether an image without
 * one is refused (`enforce`), served and reported (`audit`), or not checked (`off`). Keys and
 * certificates are PEM text: public material, stored in the project's settings and shown by the
 * admin API. Whether the PEM parses as a key or certificate is checked by the signature verifier
 * (see trust-material-check.ts), so the error names the exact field.
 */

const pemBlock = (label: string) =>
  z.string().refine((text) => text.includes(`-----BEGIN ${label}-----`) && text.includes(`-----END ${label}-----`), `must be PEM text (-----BEGIN ${label}-----)`);

const cosignKeySchema = z.strictObject({
  /** Named in verdicts (`signed by team`) and in messages. */
  name: nonEmpty.max(128),
  publicKey: pemBlock('PUBLIC KEY'),
});

export const signaturePolicySchema = z
  .strictObject({
    mode: z.enum(['off', 'audit', 'enforce']).default('off'),
    cosign: z.strictObject({ keys: z.array(cosignKeySchema).max(64).default([]) }).prefault({}),
    notation: z
      .strictObject({
        /** CA (or leaf) certificates a notation signature's chain must end in. */
        trustStore: z.array(pemBlock('CERTIFICATE')).max(64).default([]),
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
  });
