import { describe, expect, it } from '@jest/globals';
import { ecKey, randomSubject } from './testing/candidates.js';
import { makeCertificate } from './testing/certificates.js';
import { makePki, makeTestCertificate, notationCandidate, notationJws, notationPayload } from './testing/notation.js';
import { createSignatureVerifier } from './verifier.js';
import type { TrustMaterial } from './types.js';

const subject = randomSubject('notarised');
const team = makePki('team.example.com');
const other = makePki('team.example.com');
const testCert = makeTestCertificate('publisher');
const DAY = 86_400_000;

function trusting(roots: string[], identities: string[] = ['*']): TrustMaterial {
  return { cosign: { keys: [] }, notation: { trustStore: roots, trustedIdentities: identities } };
}

async function checkOf(trust: TrustMaterial, envelope: unknown, now?: Date) {
  const verifier = createSignatureVerifier(trust, now === undefined ? {} : { now: () => now });
  const verdict = await verifier.verify(subject, [notationCandidate(subject, envelope)]);
  expect(verdict.checks).toHaveLength(1);
  expect(verdict.passed).toBe(verdict.checks[0]!.passed);
  return verdict.checks[0]!;
}

const teamChain = [team.leaf, team.intermediate, team.root];

describe('notation JWS signatures', () => {
  it('passes a chain to a trusted root, naming the signer’s subject', async () => {
    const check = await checkOf(trusting([team.root.pem]), await notationJws({ subject, chain: teamChain }));
    expect(check).toEqual(expect.objectContaining({ kind: 'notation-jws', passed: true, signer: 'C=US, ST=WA, O=Acme, CN=team.example.com' }));
  });

  it('passes a self-signed RSA test certificate in the trust store (as notation cert generate-test makes)', async () => {
    const check = await checkOf(trusting([testCert.pem], ['x509.subject: CN=publisher, O=Notary, C=US']), await notationJws({ subject, chain: [testCert] }));
    expect(check).toEqual(expect.objectContaining({ passed: true, signer: 'C=US, ST=WA, L=Seattle, O=Notary, CN=publisher' }));
  });

  it('matches trusted identities as a set of attributes, in any order, and refuses other subjects', async () => {
    const envelope = await notationJws({ subject, chain: teamChain });
    expect((await checkOf(trusting([team.root.pem], ['x509.subject: CN=team.example.com, C=US, O=Acme, ST=WA']), envelope)).passed).toBe(true);
    const mismatch = await checkOf(trusting([team.root.pem], ['x509.subject: C=US, O=Acme, CN=ci.example.com', 'x509.subject: CN=team.example.com, O=Other']), envelope);
    expect(mismatch).toEqual(expect.objectContaining({ passed: false, reason: 'the signer C=US, ST=WA, O=Acme, CN=team.example.com is not a trusted identity' }));
    expect((await checkOf(trusting([team.root.pem], []), envelope)).reason).toMatch(/not a trusted identity/);
  });

  it('fails a chain to a root the project does not trust', async () => {
    const check = await checkOf(trusting([other.root.pem]), await notationJws({ subject, chain: teamChain }));
    expect(check).toEqual(expect.objectContaining({ passed: false, reason: 'the certificate chain does not lead to a certificate in the trust store' }));
  });

  it('fails a chain whose certificates do not sign each other (another CA’s intermediate spliced in)', async () => {
    const check = await checkOf(trusting([team.root.pem, other.root.pem]), await notationJws({ subject, chain: [team.leaf, other.intermediate, other.root] }));
    expect(check.reason).toBe('certificate 0 of the chain is not issued by the next one');
  });

  it('fails a chain whose issuer is not a CA, and one that stops short of a root', async () => {
    const notCaKey = ecKey();
    const notCa = makeCertificate(notCaKey, { subject: { CN: 'not a ca' } });
    const leaf = makeCertificate(ecKey(), { subject: { CN: 'leaf' }, issuer: { subject: notCa.subject, key: notCaKey } });
    expect((await checkOf(trusting([notCa.pem]), await notationJws({ subject, chain: [leaf, notCa] }))).reason).toMatch(/not a CA/);
    expect((await checkOf(trusting([team.intermediate.pem]), await notationJws({ subject, chain: [team.leaf, team.intermediate] }))).reason).toMatch(/self-signed root/);
  });

  it('fails a signature made with a key other than the leaf certificate’s', async () => {
    const check = await checkOf(trusting([team.root.pem]), await notationJws({ subject, chain: teamChain, signWith: other.leaf.key }));
    expect(check.reason).toMatch(/JWS signature does not verify/);
  });

  it('fails a signature over another digest, and a tampered payload', async () => {
    expect((await checkOf(trusting([team.root.pem]), await notationJws({ subject: randomSubject('other'), chain: teamChain }))).reason).toMatch(/another manifest digest/);
    const envelope = await notationJws({ subject: randomSubject('other'), chain: teamChain });
    envelope.payload = Buffer.from(notationPayload(subject)).toString('base64url');
    expect((await checkOf(trusting([team.root.pem]), envelope)).reason).toMatch(/JWS signature does not verify/);
  });

  it('fails an expired signature, and passes it before its expiry', async () => {
    const envelope = await notationJws({ subject, chain: teamChain, expiry: new Date(Date.now() + 3_600_000) });
    expect((await checkOf(trusting([team.root.pem]), envelope)).passed).toBe(true);
    const later = await checkOf(trusting([team.root.pem]), envelope, new Date(Date.now() + 2 * 3_600_000));
    expect(later.reason).toMatch(/^the signature expired at /);
  });

  it('fails certificates that are not valid at the signing time or now', async () => {
    const expired = makePki('old', { notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
    const chain = [expired.leaf, expired.intermediate, expired.root];
    expect((await checkOf(trusting([expired.root.pem]), await notationJws({ subject, chain }))).reason).toMatch(/certificate 0 of the chain is not valid at/);
    const signedBefore = await notationJws({ subject, chain: teamChain, signingTime: new Date(Date.now() - 10 * DAY) });
    expect((await checkOf(trusting([team.root.pem]), signedBefore)).reason).toMatch(/not valid at/);
    expect((await checkOf(trusting([team.root.pem]), await notationJws({ subject, chain: teamChain }), new Date(Date.now() + 3 * DAY))).reason).toMatch(/not valid at/);
  });

  it('fails a leaf that is not for code signing', async () => {
    const leaf = makeCertificate(ecKey(), { subject: { CN: 'tls' }, extendedKeyUsage: ['1.3.6.1.5.5.7.3.1'] });
    expect((await checkOf(trusting([leaf.pem]), await notationJws({ subject, chain: [leaf] }))).reason).toMatch(/not for code signing/);
  });

  it.each([
    ['an unknown critical header', { crit: ['io.cncf.notary.signingScheme', 'x-unknown'], 'x-unknown': 1 }, /unsupported critical attribute "x-unknown"/],
    ['a verification plugin', { crit: ['io.cncf.notary.signingScheme', 'io.cncf.notary.verificationPlugin'], 'io.cncf.notary.verificationPlugin': 'p' }, /verification plugin/],
    ['a signing scheme not marked critical', { crit: undefined }, /not marked critical/],
    ['the signing-authority scheme', { 'io.cncf.notary.signingScheme': 'notary.x509.signingAuthority' }, /signingAuthority scheme/],
    ['another content type', { cty: 'text/plain' }, /content type/],
    ['no signing time', { 'io.cncf.notary.signingTime': undefined }, /no valid signing time/],
    ['an expiry not marked critical', { 'io.cncf.notary.expiry': '2000-01-01T00:00:00Z' }, /expiry is not marked critical/],
  ])('fails a header with %s', async (_label, header, reason) => {
    const check = await checkOf(trusting([team.root.pem]), await notationJws({ subject, chain: teamChain, header }));
    expect(check).toEqual(expect.objectContaining({ passed: false, reason: expect.stringMatching(reason) }));
  });

  it.each([
    ['not JSON', '{"'],
    ['a compact JWS', 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA'],
    ['a JWS without x5c', { protected: 'e30', payload: 'e30', signature: 'AAAA', header: {} }],
    ['a protected header that is not base64url JSON', { protected: '!!!', payload: 'e30', signature: 'AAAA', header: { x5c: [] } }],
    ['an empty chain', null],
    ['a certificate that is not base64', ['***']],
    ['a certificate that is not DER', ['AAAA']],
    ['a huge certificate', ['A'.repeat(200_000)]],
  ])('fails an envelope that is %s, without throwing', async (_label, envelope) => {
    let value: unknown = envelope;
    if (envelope === null || Array.isArray(envelope)) {
      value = { ...(await notationJws({ subject, chain: teamChain })), header: { x5c: envelope ?? [] } };
    }
    const check = await checkOf(trusting([team.root.pem]), value);
    expect(check.passed).toBe(false);
    expect(check.reason).not.toMatch(/could not be checked/);
  });

  it('fails every notation signature when the trust store is empty', async () => {
    expect((await checkOf(trusting([]), await notationJws({ subject, chain: teamChain }))).reason).toBe('no notation trust store certificates are configured');
  });
});
