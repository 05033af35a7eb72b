import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { parseDistinguishedName, type DistinguishedName } from './distinguished-name.js';
import { TrustMaterialError, type TrustMaterial } from './types.js';

/** A project's trust material, parsed once when the verifier is built. */
export interface ParsedTrust {
  cosignKeys: { name: string; key: KeyObject }[];
  notationRoots: X509Certificate[];
  /** `'any'` for `*`: any identity whose chain reaches the trust store. None listed: no notation signature passes. */
  trustedIdentities: 'any' | DistinguishedName[];
}

const PUBLIC_KEY_PEM = /^\s*-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\s*$/;
const CERTIFICATE_PEM = /^\s*-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*$/;
const EC_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const IDENTITY_PREFIX = 'x509.subject:';

/** Throws unless the key is one cosign and notation sign with: ECDSA P-256/384/521, RSA 2048-8192 bits, Ed25519. */
export function assertSupportedKey(key: KeyObject, field: string): void {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (details.namedCurve === undefined || !EC_CURVES.has(details.namedCurve)) {
        throw new TrustMaterialError(field, `unsupported elliptic curve ${details.namedCurve ?? '(unknown)'}; use P-256, P-384 or P-521`);
      }
      return;
    case 'rsa':
    case 'rsa-pss':
      // Bounded above too: a signer's certificate is attacker input, and huge keys are slow to use.
      if ((details.modulusLength ?? 0) < 2048 || (details.modulusLength ?? 0) > 8192) throw new TrustMaterialError(field, 'RSA keys must be 2048 to 8192 bits');
      return;
    case 'ed25519':
      return;
    default:
      throw new TrustMaterialError(field, `unsupported key algorithm ${key.asymmetricKeyType ?? '(unknown)'}`);
  }
}

function parsePublicKey(pem: string, field: string): KeyObject {
  // A private key would also yield a public key in Node: insist on the public PEM cosign writes.
  if (!PUBLIC_KEY_PEM.test(pem)) throw new TrustMaterialError(field, 'not a PEM public key (-----BEGIN PUBLIC KEY-----)');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new TrustMaterialError(field, 'the PEM public key does not parse');
  }
  assertSupportedKey(key, field);
  return key;
}

function parseCertificate(pem: string, field: string): X509Certificate {
  if (!CERTIFICATE_PEM.test(pem)) throw new TrustMaterialError(field, 'not one PEM certificate (-----BEGIN CERTIFICATE-----)');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw new TrustMaterialError(field, 'the PEM certificate does not parse');
  }
  assertSupportedKey(certificate.publicKey, field);
  return certificate;
}

function parseIdentities(identities: readonly string[]): ParsedTrust['trustedIdentities'] {
  if (identities.includes('*')) {
    if (identities.length > 1) throw new TrustMaterialError('notation.trustedIdentities', '`*` cannot be combined with other identities');
    return 'any';
  }
  return identities.map((identity, index) => {
    const field = `notation.trustedIdentities[${index}]`;
    if (!identity.startsWith(IDENTITY_PREFIX)) throw new TrustMaterialError(field, 'must be `x509.subject: <distinguished name>` or `*`');
    const name = parseDistinguishedName(identity.slice(IDENTITY_PREFIX.length));
    if (name === undefined) throw new TrustMaterialError(field, 'the distinguished name does not parse (write it as `C=US, O=Acme, CN=team`)');
    return name;
  });
}

export function parseTrust(trust: TrustMaterial): ParsedTrust {
  const cosignKeys = trust.cosign.keys.map((entry, index) => ({
    name: entry.name,
    key: parsePublicKey(entry.publicKey, `cosign.keys[${index}].publicKey`),
  }));
  const notationRoots = trust.notation.trustStore.map((pem, index) => parseCertificate(pem, `notation.trustStore[${index}]`));
  const trustedIdentities = parseIdentities(trust.notation.trustedIdentities);
  return { cosignKeys, notationRoots, trustedIdentities };
}
