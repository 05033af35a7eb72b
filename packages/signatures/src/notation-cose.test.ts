import { describe, expect, it } from '@jest/globals';
import { Tag, encode } from 'cbor2';
import { randomSubject } from './testing/candidates.js';
import { notationCose } from './testing/cose.js';
import { makePki, notationCandidate, notationPayload } from './testing/notation.js';
import { createSignatureVerifier } from './verifier.js';
import type { TrustMaterial } from './types.js';

const subject = randomSubject('cose');
const team = makePki('team.example.com');
const other = makePki('other.example.com');
const chain = [team.leaf, team.intermediate, team.root];

function trusting(roots: string[], identities: string[] = ['*']): TrustMaterial {
  return { cosign: { keys: [] }, notation: { trustStore: roots, trustedIdentities: identities } };
}

async function checkOf(trust: TrustMaterial, envelope: Uint8Array | string, now?: Date) {
  const verifier = createSignatureVerifier(trust, now === undefined ? {} : { now: () => now });
  const verdict = await verifier.verify(subject, [notationCandidate(subject, envelope, 'application/cose')]);
  expect(verdict.checks).toHaveLength(1);
  expect(verdict.passed).toBe(verdict.checks[0]!.passed);
  return verdict.checks[0]!;
}

describe('notation COSE signatures', () => {
  it('passes a chain to a trusted root with a matching identity, naming the signer', async () => {
    const check = await checkOf(trusting([team.root.pem], ['x509.subject: CN=team.example.com, O=Acme, C=US']), notationCose({ subject, chain }));
    expect(check).toEqual(expect.objectContaining({ kind: 'notation-cose', passed: true, signer: 'C=US, ST=WA, O=Acme, CN=team.example.com' }));
  });

  it('fails an untrusted chain and a mismatched identity', async () => {
    expect((await checkOf(trusting([other.root.pem]), notationCose({ subject, chain }))).reason).toMatch(/does not lead to a certificate in the trust store/);
    expect((await checkOf(trusting([team.root.pem], ['x509.subject: CN=other.example.com']), notationCose({ subject, chain }))).reason).toMatch(/not a trusted identity/);
  });

  it('fails a signature by another key, and a payload swapped after signing', async () => {
    expect((await checkOf(trusting([team.root.pem]), notationCose({ subject, chain, signWith: other.leaf.key }))).reason).toMatch(/COSE signature does not verify/);
    const swapped = notationCose({ subject, chain, signedPayload: notationPayload(randomSubject('x')) });
    expect((await checkOf(trusting([team.root.pem]), swapped)).reason).toMatch(/COSE signature does not verify/);
  });

  it('fails a signature over another digest', async () => {
    expect((await checkOf(trusting([team.root.pem]), notationCose({ subject: randomSubject('other'), chain }))).reason).toMatch(/another manifest digest/);
  });

  it('fails an expired signature', async () => {
    const envelope = notationCose({ subject, chain, expiry: new Date(Date.now() + 3_600_000) });
    expect((await checkOf(trusting([team.root.pem]), envelope)).passed).toBe(true);
    expect((await checkOf(trusting([team.root.pem]), envelope, new Date(Date.now() + 7_200_000))).reason).toMatch(/^the signature expired at /);
  });

  it.each([
    ['an unknown algorithm', new Map<unknown, unknown>([[1, -8]]), /COSE algorithm/],
    ['an unknown critical label', new Map<unknown, unknown>([[2, ['io.cncf.notary.signingScheme', 99]]]), /unsupported critical attribute 99/],
    ['no signing time', new Map<unknown, unknown>([['io.cncf.notary.signingTime', undefined]]), /no valid signing time/],
    ['a signing time that is not a date', new Map<unknown, unknown>([['io.cncf.notary.signingTime', 'yesterday']]), /no valid signing time/],
    ['another content type', new Map<unknown, unknown>([[3, 'text/plain']]), /content type/],
  ])('fails a protected header with %s', async (_label, header, reason) => {
    expect((await checkOf(trusting([team.root.pem]), notationCose({ subject, chain, header }))).reason).toMatch(reason);
  });

  it.each([
    ['not CBOR', new Uint8Array([0xff, 0x00]), 'the layer is not CBOR'],
    ['CBOR of another shape', encode({ hello: 'world' }), 'the layer is not a COSE_Sign1 message'],
    ['a COSE_Sign1 of the wrong arity', encode(new Tag(18, [new Uint8Array(0)])), 'the layer is not a COSE_Sign1 message'],
    ['a COSE_Sign1 with a non-map header', encode(new Tag(18, [encode(1), new Map(), new Uint8Array(0), new Uint8Array(0)])), 'the COSE protected header is not a map'],
    ['a COSE_Sign1 without a chain', encode(new Tag(18, [encode(new Map<unknown, unknown>([[1, -7], [2, ['io.cncf.notary.signingScheme']], [3, 'application/vnd.cncf.notary.payload.v1+json'], ['io.cncf.notary.signingScheme', 'notary.x509'], ['io.cncf.notary.signingTime', new Tag(1, 1)]])), new Map(), new Uint8Array(0), new Uint8Array(0)])), 'the COSE message carries no certificate chain'],
    ['deeply nested CBOR', new Uint8Array([...new Array(5000).fill(0x81), 0x00]), 'the layer is not CBOR'],
  ])('fails a layer that is %s, without throwing', async (_label, envelope, reason) => {
    const check = await checkOf(trusting([team.root.pem]), envelope);
    expect(check).toEqual(expect.objectContaining({ passed: false, reason }));
  });
});
