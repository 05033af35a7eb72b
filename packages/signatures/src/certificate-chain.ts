import { X509Certificate } from 'node:crypto';
import { certificateSubject, formatDistinguishedName, subjectMatches } from './distinguished-name.js';
import { decodeBase64 } from './key-signature.js';
import { assertSupportedKey, type ParsedTrust } from './trust.js';

/**
 * Notation's X.509 rules for a signature's certificate chain (leaf first): each certificate is issued
 * and signed by the next, every issuer is a CA, the chain ends in a self-signed root, every certificate
 * is valid at the signing time and now, the leaf may sign code, one certificate of the chain is in
 * the project's trust store, and the leaf's subject matches a trusted identity.
 */

const MAX_CHAIN = 10;
/** An encoded certificate larger than this is refused unread (real ones are 1-2 KiB). */
const MAX_CERTIFICATE_BASE64 = 64 * 1024;
const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';

export type ChainResult = { ok: true; leaf: X509Certificate; identity: string } | { ok: false; reason: string };

/** Certificates from base64 DER (JWS `x5c`) or raw DER (COSE `x5chain`); a reason when they do not parse. */
export function parseChain(encoded: readonly (string | Uint8Array)[]): X509Certificate[] | string {
  if (encoded.length === 0) return 'the signature carries no certificate chain';
  if (encoded.length > MAX_CHAIN) return `the certificate chain is longer than ${MAX_CHAIN}`;
  const chain: X509Certificate[] = [];
  for (const [index, item] of encoded.entries()) {
    const der = typeof item === 'string' ? decodeBase64(item, MAX_CERTIFICATE_BASE64) : item;
    if (der === undefined || der.length > MAX_CERTIFICATE_BASE64) return `certificate ${index} of the chain is not base64 DER`;
    try {
      chain.push(new X509Certificate(der));
    } catch {
      return `certificate ${index} of the chain does not parse`;
    }
  }
  return chain;
}

function validAt(certificate: X509Certificate, at: Date): boolean {
  return new Date(certificate.validFrom).getTime() <= at.getTime() && at.getTime() <= new Date(certificate.validTo).getTime();
}

/**
 * Names and signature only: OpenSSL's checkIssued also wants keyCertSign on the issuer, which a
 * self-signed code-signing certificate (notation's test certificates) lacks. CA rules are checked apart.
 */
function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.issuer === issuer.subject && child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Why the chain does not meet notation's rules, or undefined. */
function chainProblem(chain: readonly X509Certificate[], times: readonly Date[]): string | undefined {
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!issuedBy(chain[i]!, chain[i + 1]!)) return `certificate ${i} of the chain is not issued by the next one`;
    if (!chain[i + 1]!.ca) return `certificate ${i + 1} of the chain issues certificates but is not a CA`;
  }
  const root = chain[chain.length - 1]!;
  if (!issuedBy(root, root)) return 'the certificate chain does not end in a self-signed root';
  const leaf = chain[0]!;
  if (chain.length > 1 && leaf.ca) return 'the signing certificate is a CA certificate';
  if (leaf.keyUsage !== undefined && leaf.keyUsage.length > 0 && !leaf.keyUsage.includes(CODE_SIGNING)) {
    return 'the signing certificate is not for code signing';
  }
  for (const [index, certificate] of chain.entries()) {
    for (const at of times) {
      if (!validAt(certificate, at)) return `certificate ${index} of the chain is not valid at ${at.toISOString()}`;
    }
  }
  try {
    assertSupportedKey(leaf.publicKey, 'leaf');
  } catch {
    return 'the signing certificate’s key is of an unsupported type or size';
  }
  return undefined;
}

/**
 * Checks `chain` against the project's notation trust at each of `times` (the signing time and now).
 * On success, names the leaf's subject as the identity that signed.
 */
export function verifyChain(chain: readonly X509Certificate[], trust: ParsedTrust, times: readonly Date[]): ChainResult {
  // The cheap comparison first: a chain that names no trusted certificate costs no signature checks.
  if (trust.notationRoots.length === 0) return { ok: false, reason: 'no notation trust store certificates are configured' };
  const anchored = chain.some((certificate) => trust.notationRoots.some((root) => root.raw.equals(certificate.raw)));
  if (!anchored) return { ok: false, reason: 'the certificate chain does not lead to a certificate in the trust store' };
  const problem = chainProblem(chain, times);
  if (problem !== undefined) return { ok: false, reason: problem };
  const leaf = chain[0]!;
  const subject = certificateSubject(leaf);
  if (subject === undefined) return { ok: false, reason: 'the signing certificate’s subject does not parse' };
  const identity = formatDistinguishedName(subject);
  if (trust.trustedIdentities !== 'any' && !trust.trustedIdentities.some((trusted) => subjectMatches(trusted, subject))) {
    return { ok: false, reason: `the signer ${identity} is not a trusted identity` };
  }
  return { ok: true, leaf, identity };
}
