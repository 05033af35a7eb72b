import { createHash } from 'node:crypto';
import { OciError } from './errors.js';

/** The digest algorithms Berth can verify (the OCI image spec's registered algorithms). */
export type DigestAlgorithm = 'sha256' | 'sha512';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['sha256', 'sha512'];

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  /** The encoded portion: lowercase hex for both supported algorithms. */
  hex: string;
  /** The full `<algorithm>:<hex>` string. */
  digest: string;
}

/** Image-spec digest grammar: algorithm-component ([+._-] algorithm-component)* ":" encoded. */
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const LOWER_HEX = /^[0-9a-f]+$/;

/** Long inputs are cut in error details so a hostile value cannot bloat the error body. */
function excerpt(value: string): string {
  return value.length > 200 ? `${value.slice(0, 200)}...` : value;
}

export function isDigestAlgorithm(value: string): value is DigestAlgorithm {
  return (DIGEST_ALGORITHMS as readonly string[]).includes(value);
}

/** True when `s` matches the image spec's digest grammar, whether or not Berth supports its algorithm. */
export function matchesDigestGrammar(s: string): boolean {
  return DIGEST_GRAMMAR.test(s);
}

/**
 * Parses a digest Berth can verify. Grammar-valid digests with another algorithm (sha384,
 * multihash+base58, ...) are rejected too: Berth could never verify or store such content.
 */
export function parseDigest(s: string): ParsedDigest {
  if (typeof s !== 'string' || !DIGEST_GRAMMAR.test(s)) {
    throw new OciError('DIGEST_INVALID', 'invalid digest', { detail: { digest: excerpt(String(s)) } });
  }
  const colon = s.indexOf(':');
  const algorithm = s.slice(0, colon);
  const hex = s.slice(colon + 1);
  if (!isDigestAlgorithm(algorithm)) {
    throw new OciError('DIGEST_INVALID', `unsupported digest algorithm: ${excerpt(algorithm)}`, {
      detail: { digest: excerpt(s) },
    });
  }
  if (hex.length !== HEX_LENGTH[algorithm] || !LOWER_HEX.test(hex)) {
    throw new OciError('DIGEST_INVALID', `invalid ${algorithm} digest: expected ${HEX_LENGTH[algorithm]} lowercase hex characters`, {
      detail: { digest: excerpt(s) },
    });
  }
  return { algorithm, hex, digest: s };
}

export function isDigest(s: string): boolean {
  // A tag has no colon: answered without building (and throwing) an error, as on every GET by tag.
  if (typeof s !== 'string' || !s.includes(':')) return false;
  try {
    parseDigest(s);
    return true;
  } catch {
    return false;
  }
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  assertAlgorithm(algorithm);
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Incremental hashing for streamed content (uploads, upstream fills). */
export interface Digester {
  readonly algorithm: DigestAlgorithm;
  update(chunk: Uint8Array): void;
  /** The `<algorithm>:<hex>` of everything fed so far; may be called more than once, ends updates. */
  digest(): string;
}

export function createDigester(algorithm: DigestAlgorithm = 'sha256'): Digester {
  assertAlgorithm(algorithm);
  const hash = createHash(algorithm);
  let result: string | undefined;
  return {
    algorithm,
    update(chunk: Uint8Array): void {
      if (result !== undefined) throw new Error('digester already finalized');
      hash.update(chunk);
    },
    digest(): string {
      result ??= `${algorithm}:${hash.digest('hex')}`;
      return result;
    },
  };
}

function assertAlgorithm(algorithm: string): asserts algorithm is DigestAlgorithm {
  if (!isDigestAlgorithm(algorithm)) {
    throw new OciError('DIGEST_INVALID', `unsupported digest algorithm: ${excerpt(String(algorithm))}`);
  }
}
