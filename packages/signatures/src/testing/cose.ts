import { sign } from 'node:crypto';
import { Tag, encode } from 'cbor2';
import type { TestKey } from './candidates.js';
import type { TestCertificate } from './certificates.js';
import { notationPayload } from './notation.js';

/** notation-style COSE_Sign1 envelopes (ES256 here), made in memory with cbor2. */

export interface CoseOptions {
  subject: string;
  chain: TestCertificate[];
  signWith?: TestKey;
  signingTime?: Date;
  expiry?: Date;
  /** Entries to set in the protected header (undefined deletes). */
  header?: Map<unknown, unknown>;
  payload?: string;
  /** Sign this payload instead (a payload swapped after signing). */
  signedPayload?: string;
}

export function notationCose(options: CoseOptions): Uint8Array {
  const key = options.signWith ?? options.chain[0]!.key;
  const header = new Map<unknown, unknown>([
    [1, -7],
    [2, ['io.cncf.notary.signingScheme', ...(options.expiry === undefined ? [] : ['io.cncf.notary.expiry'])]],
    [3, 'application/vnd.cncf.notary.payload.v1+json'],
    ['io.cncf.notary.signingScheme', 'notary.x509'],
    ['io.cncf.notary.signingTime', new Tag(1, Math.floor((options.signingTime ?? new Date()).getTime() / 1000))],
  ]);
  if (options.expiry !== undefined) header.set('io.cncf.notary.expiry', new Tag(1, Math.floor(options.expiry.getTime() / 1000)));
  for (const [label, value] of options.header ?? []) {
    if (value === undefined) header.delete(label);
    else header.set(label, value);
  }
  const protectedBytes = encode(header);
  const payload = new Uint8Array(Buffer.from(options.payload ?? notationPayload(options.subject)));
  const signed = options.signedPayload === undefined ? payload : new Uint8Array(Buffer.from(options.signedPayload));
  const toBeSigned = encode(['Signature1', protectedBytes, new Uint8Array(0), signed]);
  const signature = new Uint8Array(sign('sha256', toBeSigned, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }));
  const unprotected = new Map<unknown, unknown>([
    [33, options.chain.map((certificate) => new Uint8Array(certificate.der))],
    ['io.cncf.notary.signingAgent', 'berth-test'],
  ]);
  return encode(new Tag(18, [protectedBytes, unprotected, payload, signature]));
}
