import { describe, expect, it } from '@jest/globals';
import { bundleCandidate, bundleJson, statementFor } from './testing/bundles.js';
import { ecKey, randomSubject } from './testing/candidates.js';
import { createSignatureVerifier } from './verifier.js';

const team = ecKey();
const other = ecKey();
const subject = randomSubject('bundled');
const verifier = createSignatureVerifier({
  cosign: { keys: [{ name: 'ci', publicKey: ecKey().publicPem }, { name: 'team', publicKey: team.publicPem }] },
  notation: { trustStore: [], trustedIdentities: [] },
});

async function checkOf(candidate: ReturnType<typeof bundleCandidate>) {
  const verdict = await verifier.verify(subject, [candidate]);
  expect(verdict.checks).toHaveLength(1);
  expect(verdict.passed).toBe(verdict.checks[0]!.passed);
  return verdict.checks[0]!;
}

describe('sigstore bundles signed with a key', () => {
  it('passes a DSSE bundle over the subject signed by a trusted key, naming the key', async () => {
    const check = await checkOf(bundleCandidate(subject, bundleJson(team, subject)));
    expect(check).toEqual(expect.objectContaining({ passed: true, kind: 'cosign-bundle', signer: 'team' }));
  });

  it('fails a bundle signed by an untrusted key', async () => {
    const check = await checkOf(bundleCandidate(subject, bundleJson(other, subject)));
    expect(check).toEqual(expect.objectContaining({ passed: false, reason: 'the bundle’s signature does not verify with any trusted cosign key' }));
  });

  it('fails a valid bundle over another digest', async () => {
    const check = await checkOf(bundleCandidate(subject, bundleJson(team, randomSubject('other'))));
    expect(check.reason).toMatch(/another manifest digest/);
  });

  it('fails a bundle whose statement was changed after signing', async () => {
    const signedFor = statementFor(randomSubject('other'));
    const check = await checkOf(bundleCandidate(subject, bundleJson(team, subject, { signedStatement: signedFor })));
    expect(check).toEqual(expect.objectContaining({ passed: false, reason: 'the bundle’s signature does not verify with any trusted cosign key' }));
  });

  it('fails an attestation bundle as not a signature', async () => {
    const statement = statementFor(subject, 'https://slsa.dev/provenance/v1');
    const check = await checkOf(bundleCandidate(subject, bundleJson(team, subject, { statement })));
    expect(check.reason).toMatch(/attestation \(https:\/\/slsa.dev\/provenance\/v1\)/);
    const annotated = await checkOf(bundleCandidate(subject, bundleJson(team, subject, { statement }), { 'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1' }));
    expect(annotated).toEqual(expect.objectContaining({ kind: 'not-a-signature', passed: false }));
  });

  it('fails a keyless bundle with a clear reason', async () => {
    const check = await checkOf(bundleCandidate(subject, bundleJson(team, subject, { certificate: true })));
    expect(check.reason).toMatch(/keyless bundles .* not supported/);
  });

  it.each([
    ['not JSON', '{'],
    ['JSON that is not a bundle', { hello: 'world' }],
    ['a bundle without content', { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', verificationMaterial: { publicKey: { hint: '' } } }],
  ])('fails a layer that is %s', async (_label, bundle) => {
    const check = await checkOf(bundleCandidate(subject, bundle));
    expect(check).toEqual(expect.objectContaining({ passed: false, reason: 'the layer is not a valid sigstore bundle' }));
  });

  it('fails a bundle whose payload is not an in-toto statement, and one with a bad signature encoding', async () => {
    const notStatement = await checkOf(bundleCandidate(subject, bundleJson(team, subject, { statement: 'hello' })));
    expect(notStatement.reason).toMatch(/not an in-toto statement/);
    const wrongType = await checkOf(bundleCandidate(subject, bundleJson(team, subject, { payloadType: 'text/plain' })));
    expect(wrongType.reason).toMatch(/payload type is text\/plain/);
    const json = bundleJson(team, subject) as { dsseEnvelope: { signatures: { sig: string }[] } };
    json.dsseEnvelope.signatures[0]!.sig = 'AAAA';
    expect((await checkOf(bundleCandidate(subject, json))).passed).toBe(false);
  });
});
