import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { bundleCandidate, bundleJson } from './testing/bundles.js';
import { EMPTY_CONFIG, candidateOf, cosignSignatureCandidate, ecKey, randomSubject, rsaKey, signedLayer } from './testing/candidates.js';
import { makeTestCertificate } from './testing/notation.js';
import { TrustMaterialError, type TrustMaterial } from './types.js';
import { createSignatureVerifier } from './verifier.js';

const team = ecKey();
const subject = randomSubject('verifier');
const cert = makeTestCertificate('team');

function material(overrides: { keys?: string[]; trustStore?: string[]; identities?: string[] }): TrustMaterial {
  return {
    cosign: { keys: (overrides.keys ?? []).map((publicKey, index) => ({ name: `key${index}`, publicKey })) },
    notation: { trustStore: overrides.trustStore ?? [], trustedIdentities: overrides.identities ?? [] },
  };
}

function fieldOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    if (error instanceof TrustMaterialError) return `${error.field}: ${error.message}`;
    throw error;
  }
  throw new Error('no TrustMaterialError');
}

describe('trust material', () => {
  it('accepts EC, RSA and Ed25519 public keys, certificates and identities', () => {
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => createSignatureVerifier(material({
      keys: [team.publicPem, rsaKey().publicPem, ed],
      trustStore: [cert.pem],
      identities: ['x509.subject: C=US, ST=WA, O=Notary, CN=team', 'x509.subject: CN=a\\, b'],
    }))).not.toThrow();
    expect(() => createSignatureVerifier(material({ trustStore: [cert.pem], identities: ['*'] }))).not.toThrow();
  });

  it.each([
    ['a second key that is not PEM', { keys: [team.publicPem, 'hello'] }, /^cosign\.keys\[1\]\.publicKey: .*not a PEM public key/],
    ['a private key', { keys: [team.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()] }, /^cosign\.keys\[0\]\.publicKey: .*not a PEM public key/],
    ['a certificate as a key', { keys: [cert.pem] }, /^cosign\.keys\[0\]\.publicKey: .*not a PEM public key/],
    ['a damaged key', { keys: [team.publicPem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA')] }, /^cosign\.keys\[0\]\.publicKey: .*does not parse/],
    ['a small RSA key', { keys: [rsaKey(1024).publicPem] }, /^cosign\.keys\[0\]\.publicKey: .*2048 to 8192 bits/],
    ['an unsupported curve', { keys: [generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString()] }, /unsupported elliptic curve secp256k1/],
    ['a trust store entry that is a key', { trustStore: [team.publicPem] }, /^notation\.trustStore\[0\]: .*not one PEM certificate/],
    ['two certificates in one entry', { trustStore: [cert.pem + cert.pem] }, /^notation\.trustStore\[0\]: .*not one PEM certificate/],
    ['a damaged certificate', { trustStore: [cert.pem.replace(/[A-Za-z]{12}/, 'AAAAAAAAAAAA')] }, /^notation\.trustStore\[0\]: .*does not parse/],
    ['an identity without the x509.subject prefix', { identities: ['*', 'CN=team'].slice(1) }, /^notation\.trustedIdentities\[0\]: .*x509\.subject/],
    ['an empty distinguished name', { identities: ['x509.subject: '] }, /^notation\.trustedIdentities\[0\]: .*does not parse/],
    ['an attribute without a value', { identities: ['x509.subject: CN=team, O'] }, /^notation\.trustedIdentities\[0\]: .*does not parse/],
    ['`*` with other identities', { identities: ['*', 'x509.subject: CN=team'] }, /^notation\.trustedIdentities: .*cannot be combined/],
  ])('refuses %s, naming the field', (_label, overrides, expected) => {
    expect(fieldOf(() => createSignatureVerifier(material(overrides)))).toMatch(expected);
  });
});

describe('verdicts', () => {
  const verifier = createSignatureVerifier({ cosign: { keys: [{ name: 'team', publicKey: team.publicPem }] }, notation: { trustStore: [], trustedIdentities: [] } });

  it('fails with no candidates at all', async () => {
    expect(await verifier.verify(subject, [])).toEqual({ subject, passed: false, checks: [] });
  });

  it('lists an SBOM as not a signature, without reading it, and passes on the one signature that verifies', async () => {
    const sbom = candidateOf({ schemaVersion: 2, artifactType: 'application/spdx+json', config: EMPTY_CONFIG, layers: [{ mediaType: 'application/spdx+json', digest: subject, size: 1 }] }, {}, { artifactType: 'application/spdx+json' });
    const bad = cosignSignatureCandidate(subject, [signedLayer(ecKey(), subject)]);
    const good = cosignSignatureCandidate(subject, [signedLayer(team, subject)], 'oci-1-1');
    const verdict = await verifier.verify(subject, [sbom, bad, good]);
    expect(verdict.passed).toBe(true);
    expect(verdict.checks.map((check) => [check.digest, check.kind, check.passed])).toEqual([
      [sbom.digest, 'not-a-signature', false],
      [bad.digest, 'cosign-simple-signing', false],
      [good.digest, 'cosign-simple-signing', true],
    ]);
    expect(sbom.reads).toEqual([]);
    expect(verdict.checks[0]!.reason).toBe('not a signature');
  });

  it('fails only on not-a-signature candidates', async () => {
    const sbom = candidateOf({ layers: [] }, {}, { artifactType: 'application/vnd.cyclonedx+json' });
    expect((await verifier.verify(subject, [sbom])).passed).toBe(false);
  });

  it('fails a listed signature whose manifest is not JSON, or not a manifest, as a signature of its listed kind', async () => {
    const notJson = candidateOf(Buffer.from('{"layers": ['), {}, { artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' });
    const notManifest = candidateOf({ layers: 'many' }, {}, { artifactType: 'application/vnd.cncf.notary.signature' });
    const unlisted = candidateOf(Buffer.from('garbage'));
    const verdict = await verifier.verify(subject, [notJson, notManifest, unlisted]);
    expect(verdict.checks.map((check) => [check.kind, check.reason])).toEqual([
      ['cosign-simple-signing', 'the manifest is not JSON'],
      ['notation-jws', 'the manifest is not an OCI image manifest'],
      ['not-a-signature', 'the manifest is not JSON'],
    ]);
  });

  it('fails a notation signature with no envelope layer', async () => {
    const candidate = candidateOf({ artifactType: 'application/vnd.cncf.notary.signature', config: EMPTY_CONFIG, layers: [{ mediaType: 'text/plain', digest: subject }] });
    expect((await verifier.verify(subject, [candidate])).checks[0]).toEqual(expect.objectContaining({ kind: 'notation-jws', passed: false, reason: 'the manifest has no signature layer' }));
  });

  it('turns a failing blob read into a failed check whose reason does not repeat the reader’s message', async () => {
    const candidate = cosignSignatureCandidate(subject, [signedLayer(team, subject)]);
    candidate.readBlob = async () => {
      throw new Error('ENOENT: /var/lib/berth/blobs/secret-path');
    };
    const [check] = (await verifier.verify(subject, [candidate])).checks;
    expect(check).toEqual(expect.objectContaining({ passed: false, reason: 'the signature could not be checked (reading or decoding it failed)' }));
  });

  it('bounds a reason built from signer-controlled text to one line of 300 characters', async () => {
    const statement = JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: subject.slice(7) } }], predicateType: `x\n${'y'.repeat(5000)}` });
    const candidate = bundleCandidate(subject, bundleJson(team, subject, { statement }));
    const [check] = (await verifier.verify(subject, [candidate])).checks;
    expect(check!.reason).toMatch(/^the bundle is an attestation \(x y+…$/);
    expect(check!.reason).toHaveLength(300);
  });

  it('does not pass a candidate whose signature layer digest is not sha256', async () => {
    const candidate = candidateOf({ layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: 'md5:abc', annotations: { 'dev.cosignproject.cosign/signature': 'AAAA' } }] });
    expect((await verifier.verify(subject, [candidate])).checks[0]!.reason).toMatch(/not a sha256 digest/);
    expect(candidate.reads).toEqual([]);
  });
});
