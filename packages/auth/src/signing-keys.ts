/**
 * The ES256 (ECDSA P-256) key that signs registry tokens: generated, read from a PKCS#8 PEM file,
 * or loaded back from its persisted JWK. The `kid` is the key's RFC 7638 thumbprint, so the same
 * key always gets the same id, whichever replica loaded it.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, importPKCS8 } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import type { SigningKeyMaterial } from './types.js';

export const SIGNING_ALGORITHM = 'ES256';
const CURVE = 'P-256';

/** The public half of a signing key as a JWK (kty, crv, x, y). */
export interface PublicSigningJwk {
  kty: 'EC';
  crv: typeof CURVE;
  x: string;
  y: string;
}

/** A signing key ready to use: the private key to sign with, the public key to verify with. */
export interface LoadedSigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: PublicSigningJwk;
}

/** The P-256 public members of a JWK, or null when it is not a P-256 private key. */
function p256Parts(jwk: JWK): (PublicSigningJwk & { d: string }) | null {
  const { kty, crv, x, y, d } = jwk;
  if (kty !== 'EC' || crv !== CURVE) return null;
  if (typeof x !== 'string' || typeof y !== 'string' || typeof d !== 'string') return null;
  return { kty: 'EC', crv: CURVE, x, y, d };
}

async function materialFrom(privateKey: CryptoKey): Promise<SigningKeyMaterial> {
  const parts = p256Parts(await exportJWK(privateKey));
  if (parts === null) throw new Error('the token signing key must be an EC P-256 private key');
  const { d, ...publicJwk } = parts;
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return { kid, privateJwk: JSON.stringify({ ...publicJwk, d, kid, alg: SIGNING_ALGORITHM }) };
}

/** A new random ES256 key. */
export async function generateSigningKey(): Promise<SigningKeyMaterial> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  return materialFrom(privateKey);
}

/** The key of a PKCS#8 PEM file (`-----BEGIN PRIVATE KEY-----`); it must be an EC P-256 key. */
export async function signingKeyFromPem(pkcs8Pem: string): Promise<SigningKeyMaterial> {
  let privateKey: CryptoKey;
  try {
    privateKey = await importPKCS8(pkcs8Pem.trim(), SIGNING_ALGORITHM, { extractable: true });
  } catch (error) {
    throw new Error(
      'the token signing key must be an EC P-256 private key in PKCS#8 PEM form (-----BEGIN PRIVATE KEY-----); ' +
        'convert a SEC1 key with `openssl pkcs8 -topk8 -nocrypt`',
      { cause: error },
    );
  }
  return materialFrom(privateKey);
}

/**
 * Turns persisted key material into usable keys. Throws when the JWK is not a P-256 private key
 * or the kid is not its thumbprint (a corrupt or hand-edited row).
 */
export async function loadSigningKey(material: SigningKeyMaterial): Promise<LoadedSigningKey> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(material.privateJwk);
  } catch (error) {
    throw new Error(`signing key ${material.kid}: the private JWK is not JSON`, { cause: error });
  }
  const parts = typeof parsed === 'object' && parsed !== null ? p256Parts(parsed as JWK) : null;
  if (parts === null) throw new Error(`signing key ${material.kid}: not an EC P-256 private JWK`);
  const { d, ...publicJwk } = parts;
  const thumbprint = await calculateJwkThumbprint(publicJwk, 'sha256');
  if (thumbprint !== material.kid) {
    throw new Error(`signing key ${material.kid}: the kid is not the key's thumbprint (${thumbprint})`);
  }
  const privateKey = await importJWK({ ...publicJwk, d }, SIGNING_ALGORITHM);
  const publicKey = await importJWK(publicJwk, SIGNING_ALGORITHM);
  if (!isCryptoKey(privateKey) || !isCryptoKey(publicKey)) throw new Error('unexpected key type from importJWK');
  return { kid: material.kid, privateKey, publicKey, publicJwk };
}

/** importJWK answers a byte array for symmetric keys; EC keys are CryptoKeys. */
function isCryptoKey(key: CryptoKey | Uint8Array): key is CryptoKey {
  return !(key instanceof Uint8Array);
}
