import { describe, expect, it } from '@jest/globals';
import { candidateOf, cosignSign, cosignSignatureCandidate, ecKey, randomSubject, rsaKey, signedLayer, simpleSigningPayload } from './testing/candidates.js';
import { createSignatureVerifier } from './verifier.js';
import type { CreateSignatureVerifier, TrustMaterial } from './types.js';

const conforms: CreateSignatureVerifier = createSignatureVerifier;
const team = ecKey();
const other = ecKey();
const subject = randomSubject('app');

function trusting(...keys: { name: string; publicPem: string }[]): TrustMaterial {
  return { cosign: { keys: keys.map(({ name, publicPem }) => ({ name, publicKey: publicPem })) }, notation: { trustStore: [], trustedIdentities: [] } };
}
const verifier = conforms(trusting({ name: 'team', publicPem: team.publicPem }));

describe('cosign simple-signing signatures', () => {
  it.each(['legacy', 'oci-1-1'] as const)('passes a %s signature by a trusted key, naming the key', async (style) => {
    const verdict = await verifier.verify(subject, [cosignSignatureCandidate(subject, [signedLayer(team, subject)], style)]);
    expect(verdict.passed).toBe(true);
    expect(verdict.checks).toEqual([expect.objectContaining({ kind: 'cosign-simple-signing', passed: true, signer: 'team' })]);
  });

  it('passes with RSA and P-384 keys', async () => {
    const rsa = rsaKey();
    const p384 = ecKey('P-384');
    const both = createSignatureVerifier(trusting({ name: 'rsa', publicPem: rsa.publicPem }, { name: 'p384', publicPem: p384.publicPem }));
    const payload = simpleSigningPayload(subject);
    const { sign } = await import('node:crypto');
    const p384Signature = sign('sha384', Buffer.from(payload), p384.privateKey).toString('base64');
    for (const [candidate, signer] of [
      [cosignSignatureCandidate(subject, [signedLayer(rsa, subject)]), 'rsa'],
      [cosignSignatureCandidate(subject, [{ payload, signature: p384Signature }]), 'p384'],
    ] as const) {
      const verdict = await both.verify(subject, [candidate]);
      expect(verdict.checks[0]).toEqual(expect.objectContaining({ passed: true, signer }));
    }
  });

  it('fails a signature by a key the project does not trust', async () => {
    const verdict = await verifier.verify(subject, [cosignSignatureCandidate(subject, [signedLayer(other, subject)])]);
    expect(verdict.passed).toBe(false);
    expect(verdict.checks[0]).toEqual(expect.objectContaining({ passed: false, reason: 'the signature does not verify with any trusted cosign key' }));
  });

  it('fails a valid signature of another manifest digest', async () => {
    const verdict = await verifier.verify(subject, [cosignSignatureCandidate(subject, [signedLayer(team, randomSubject('other'))])]);
    expect(verdict.passed).toBe(false);
    expect(verdict.checks[0]!.reason).toMatch(/another manifest digest/);
  });

  it('fails a tampered payload (the signature was over other bytes)', async () => {
    const { signature } = signedLayer(team, subject);
    const tampered = simpleSigningPayload(subject).replace('example.test/app', 'example.test/evil');
    const verdict = await verifier.verify(subject, [cosignSignatureCandidate(subject, [{ payload: tampered, signature: signature! }])]);
    expect(verdict.checks[0]).toEqual(expect.objectContaining({ passed: false, reason: 'the signature does not verify with any trusted cosign key' }));
  });

  it('fails a payload of another type even when signed', async () => {
    const payload = simpleSigningPayload(subject, 'cosign attestation');
    const verdict = await verifier.verify(subject, [cosignSignatureCandidate(subject, [{ payload, signature: cosignSign(team, payload) }])]);
    expect(verdict.checks[0]!.reason).toMatch(/not a cosign container image signature/);
  });

  it('passes a manifest where any one of several layers verifies', async () => {
    const layers = [signedLayer(other, subject), { payload: 'not json', signature: 'AAAA' }, signedLayer(team, subject)];
    const verdict = await verifier.verify(subject, [cosignSignatureCandidate(subject, layers)]);
    expect(verdict.checks[0]).toEqual(expect.objectContaining({ passed: true, signer: 'team' }));
  });

  it.each([
    ['a missing signature annotation', [{ payload: simpleSigningPayload(subject) }], /no dev.cosignproject.cosign\/signature annotation/],
    ['a signature that is not base64', [{ payload: simpleSigningPayload(subject), signature: 'not*base64' }], /not base64/],
    ['a huge signature', [{ payload: simpleSigningPayload(subject), signature: 'A'.repeat(1 << 20) }], /not base64/],
    ['a signature that is not DER', [{ payload: simpleSigningPayload(subject), signature: 'AAAA' }], /does not verify/],
    ['a payload that is not JSON', [{ payload: '{', signature: cosignSign(team, '{') }], /not a cosign simple-signing payload/],
    ['a payload without the digest', [{ payload: '{"critical":{"type":"x"}}', signature: 'AAAA' }], /not a cosign simple-signing payload/],
  ])('fails %s with its reason, without throwing', async (_label, layers, reason) => {
    const verdict = await verifier.verify(subject, [cosignSignatureCandidate(subject, layers)]);
    expect(verdict.passed).toBe(false);
    expect(verdict.checks[0]!.reason).toMatch(reason);
  });

  it('fails a manifest whose payload blob cannot be read, and one that lists too many layers', async () => {
    const missing = candidateOf({ layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: subject, annotations: { 'dev.cosignproject.cosign/signature': 'AAAA' } }] });
    const many = cosignSignatureCandidate(subject, Array.from({ length: 17 }, () => signedLayer(team, subject)));
    const verdict = await verifier.verify(subject, [missing, many]);
    expect(verdict.passed).toBe(false);
    expect(verdict.checks.map((check) => check.reason)).toEqual(['the signature could not be checked (reading or decoding it failed)', expect.stringMatching(/17 signature layers/)]);
    expect(many.reads).toEqual([]);
  });

  it('fails a keyless signature (a certificate annotation, no trusted key) with a clear reason', async () => {
    const candidate = cosignSignatureCandidate(subject, [signedLayer(other, subject)]);
    const manifest = JSON.parse(Buffer.from(candidate.manifest).toString()) as { layers: { annotations: Record<string, string> }[] };
    manifest.layers[0]!.annotations['dev.sigstore.cosign/certificate'] = '-----BEGIN CERTIFICATE-----';
    candidate.manifest = Buffer.from(JSON.stringify(manifest));
    expect((await verifier.verify(subject, [candidate])).checks[0]!.reason).toMatch(/^keyless signatures .* not supported/);
  });

  it('fails every signature when no cosign key is trusted', async () => {
    const none = createSignatureVerifier(trusting());
    const verdict = await none.verify(subject, [cosignSignatureCandidate(subject, [signedLayer(team, subject)])]);
    expect(verdict.checks[0]!.reason).toBe('no cosign keys are trusted');
  });
});
