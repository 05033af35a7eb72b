import { verify as cryptoVerify, type KeyObject } from 'node:crypto';

/**
 * Signature checks with a trusted public key, as cosign makes them: ECDSA (DER) with the hash its
 * curve calls for, RSA PKCS#1 v1.5 with SHA-256, Ed25519 over the message itself.
 */

const HASH_OF_CURVE: Record<string, string> = { prime256v1: 'sha256', secp384r1: 'sha384', secp521r1: 'sha512' };
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Longer than any signature of a supported key (RSA 16384 is 2 KiB). */
const MAX_SIGNATURE_CHARS = 4096;

/** Decodes standard base64 strictly (Buffer.from accepts anything); undefined when it is not. */
export function decodeBase64(text: string, maxChars = MAX_SIGNATURE_CHARS): Buffer | undefined {
  if (text.length === 0 || text.length > maxChars || !BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

function verifyWithKey(key: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    switch (key.asymmetricKeyType) {
      case 'ec':
        return cryptoVerify(HASH_OF_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? 'sha256', message, key, signature);
      case 'rsa':
        return cryptoVerify('sha256', message, key, signature);
      case 'ed25519':
        return cryptoVerify(null, message, key, signature);
      default:
        return false;
    }
  } catch {
    // A signature that is not even well-formed DER (or of the wrong size) does not verify.
    return false;
  }
}

/** The name of the first trusted key the signature verifies with. */
export function findSigningKey(keys: readonly { name: string; key: KeyObject }[], message: Uint8Array, signature: Uint8Array): string | undefined {
  return keys.find((entry) => verifyWithKey(entry.key, message, signature))?.name;
}
