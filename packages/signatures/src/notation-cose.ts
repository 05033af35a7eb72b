import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { Tag, decode, encode, type DecodeOptions } from 'cbor2';
import { NOTATION_COSE, type Descriptor } from './candidate-manifest.js';
import { parseChain, verifyChain } from './certificate-chain.js';
import { checkEachLayer, type CheckContext, type CheckOutcome } from './check-outcome.js';
import { EXPIRY, SIGNING_SCHEME, SIGNING_TIME, attributesProblem, payloadProblem } from './notation-envelope.js';
import type { SignatureCandidate } from './types.js';

/**
 * notation's COSE envelope (RFC 9052 COSE_Sign1, CBOR tag 18), decoded with cbor2: the protected
 * header holds the algorithm, content type, critical list and notation's signed attributes (times as
 * CBOR tag 1 dates), the unprotected header the certificate chain (`x5chain`, label 33). The
 * signature is over the Sig_structure ["Signature1", protected, h'', payload].
 */

const COSE_SIGN1 = 18;
const LABEL_ALG = 1;
const LABEL_CRIT = 2;
const LABEL_CONTENT_TYPE = 3;
const LABEL_X5CHAIN = 33;
const DECODE: DecodeOptions = { preferMap: true, rejectDuplicateKeys: true, maxDepth: 16 };

/** COSE algorithm ids notation signs with, as Node verify parameters. */
const ALGORITHMS: Record<number, { hash: string; rsaPss?: number; curve?: string }> = {
  [-37]: { hash: 'sha256', rsaPss: 32 },
  [-38]: { hash: 'sha384', rsaPss: 48 },
  [-39]: { hash: 'sha512', rsaPss: 64 },
  [-7]: { hash: 'sha256', curve: 'prime256v1' },
  [-35]: { hash: 'sha384', curve: 'secp384r1' },
  [-36]: { hash: 'sha512', curve: 'secp521r1' },
};

interface Sign1 {
  protectedBytes: Uint8Array;
  protectedHeader: Map<unknown, unknown>;
  unprotectedHeader: Map<unknown, unknown>;
  payload: Uint8Array;
  signature: Uint8Array;
}

function parseSign1(bytes: Uint8Array): Sign1 | string {
  try {
    const value = decode(bytes, DECODE);
    if (!(value instanceof Tag) || Number(value.tag) !== COSE_SIGN1 || !Array.isArray(value.contents) || value.contents.length !== 4) {
      return 'the layer is not a COSE_Sign1 message';
    }
    const [protectedBytes, unprotectedHeader, payload, signature] = value.contents as unknown[];
    if (!(protectedBytes instanceof Uint8Array) || !(unprotectedHeader instanceof Map) || !(payload instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
      return 'the COSE_Sign1 message is malformed';
    }
    const protectedHeader = decode(protectedBytes, DECODE);
    if (!(protectedHeader instanceof Map)) return 'the COSE protected header is not a map';
    return { protectedBytes, protectedHeader, unprotectedHeader, payload, signature };
  } catch {
    return 'the layer is not CBOR';
  }
}

function dateOf(value: unknown): Date | undefined {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value : undefined;
}

function verifySign1(message: Sign1, key: KeyObject): boolean {
  const algorithm = ALGORITHMS[Number(message.protectedHeader.get(LABEL_ALG))];
  if (algorithm === undefined) return false;
  // Plain Uint8Arrays: cbor2 encodes a Node Buffer as an object (through its toJSON), not as a byte string.
  const toBeSigned = encode(['Signature1', new Uint8Array(message.protectedBytes), new Uint8Array(0), new Uint8Array(message.payload)]);
  try {
    if (algorithm.rsaPss !== undefined) {
      if (key.asymmetricKeyType !== 'rsa') return false;
      return cryptoVerify(algorithm.hash, toBeSigned, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.rsaPss }, message.signature);
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== algorithm.curve) return false;
    return cryptoVerify(algorithm.hash, toBeSigned, { key, dsaEncoding: 'ieee-p1363' }, message.signature);
  } catch {
    return false;
  }
}

async function checkLayer(layer: Descriptor, candidate: SignatureCandidate, { trust, subject, now }: CheckContext): Promise<CheckOutcome> {
  const message = parseSign1(await candidate.readBlob(layer.digest));
  if (typeof message === 'string') return { passed: false, reason: message };
  const header = message.protectedHeader;
  if (ALGORITHMS[Number(header.get(LABEL_ALG))] === undefined) return { passed: false, reason: 'the COSE algorithm is not one notation signs with' };
  const signingTime = dateOf(header.get(SIGNING_TIME));
  const critical = header.get(LABEL_CRIT);
  const problem = attributesProblem({
    contentType: header.get(LABEL_CONTENT_TYPE),
    signingScheme: header.get(SIGNING_SCHEME),
    signingTime,
    expiry: header.has(EXPIRY) ? (dateOf(header.get(EXPIRY)) ?? new Date(0)) : undefined,
    critical: Array.isArray(critical) ? critical : [],
  }, now);
  if (problem !== undefined) return { passed: false, reason: problem };
  const x5chain = message.unprotectedHeader.get(LABEL_X5CHAIN);
  // One certificate may be given bare instead of as a one-element array.
  const encoded = x5chain instanceof Uint8Array ? [x5chain] : Array.isArray(x5chain) && x5chain.every((item) => item instanceof Uint8Array) ? x5chain : undefined;
  if (encoded === undefined) return { passed: false, reason: 'the COSE message carries no certificate chain' };
  const chain = parseChain(encoded);
  if (typeof chain === 'string') return { passed: false, reason: chain };
  const verified = verifyChain(chain, trust, [signingTime!, now]);
  if (!verified.ok) return { passed: false, reason: verified.reason };
  if (!verifySign1(message, verified.leaf.publicKey)) {
    return { passed: false, reason: `the COSE signature does not verify with the certificate of ${verified.identity}` };
  }
  const payloadIssue = payloadProblem(message.payload, subject);
  if (payloadIssue !== undefined) return { passed: false, reason: payloadIssue };
  return { passed: true, signer: verified.identity, reason: `notation signature verified for ${verified.identity}` };
}

export const checkNotationCose = checkEachLayer((type) => type === NOTATION_COSE, checkLayer);
