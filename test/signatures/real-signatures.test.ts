import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSignatureVerifier, type SignatureCandidate, type SignatureKind, type TrustMaterial } from '@berth/signatures';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { skopeoCopy } from '../harness/clients.js';
import { buildImageLayout } from '../harness/oci-image.js';
import { createSigningSandbox, type SigningSandbox } from '../harness/signing-tools.js';
import { Prng } from '../fuzz/prng.js';
import { readReferrers } from '../proxy/referrers-fixtures.js';

// The verifier against what the real cosign (v3, key pairs, no Rekor) and notation (test
// certificates) push to a Berth hosted project: each kind of signature is read back over HTTP and
// passes with the signer's key or certificate only, and only for the image it signs.

const HTTP = ['--allow-insecure-registry', '--allow-http-registry'];
const OFFLINE_SIGN = ['--tlog-upload=false', '--use-signing-config=false', '-y'];
const LEGACY = '--new-bundle-format=false';
const MANIFEST_TYPES = 'application/vnd.oci.image.manifest.v1+json';
const COSIGN_SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const NOTATION = 'application/vnd.cncf.notary.signature';
const COSIGN_TAG_ANNOTATION = 'dev.berth.cosign-tag';

let berth: BerthUnderTest;
let work: string;
let cosign: SigningSandbox;
let notation: SigningSandbox;
let signed: string;
let unsigned: string;
/** The signatures of `signed`, one candidate per kind, read back from Berth. */
const found = new Map<string, SignatureCandidate>();

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function readBytes(path: string, accept?: string): Promise<Buffer> {
  const response = await fetch(`${berth.url}/v2/team/app/${path}`, accept === undefined ? {} : { headers: { accept } });
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** A candidate as the registry would hand it over: the manifest's bytes, and a reader that checks each blob's digest. */
async function candidate(reference: string, source: SignatureCandidate['source'], artifactType?: string): Promise<SignatureCandidate> {
  const manifest = await readBytes(`manifests/${reference}`, MANIFEST_TYPES);
  return {
    digest: digestOf(manifest),
    source,
    ...(artifactType === undefined ? {} : { artifactType }),
    manifest,
    async readBlob(digest) {
      const blob = await readBytes(`blobs/${digest}`);
      if (digestOf(blob) !== digest) throw new Error(`blob ${digest} does not match its digest`);
      return blob;
    },
  };
}

/** Sorts the signatures Berth lists for `signed` (and its cosign tag) by kind. */
async function collectSignatures(): Promise<void> {
  found.set('cosign-tag', await candidate(`${signed.replace(':', '-')}.sig`, 'cosign-tag'));
  const listed = await readReferrers(berth.url, `/v2/team/app/referrers/${signed}`);
  const index = JSON.parse((await readBytes(`referrers/${signed}`)).toString()) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  for (const [position, digest] of listed.digests.entries()) {
    const artifactType = listed.artifactTypes[position];
    const annotations = index.manifests.find((entry) => entry.digest === digest)?.annotations ?? {};
    const found1 = await candidate(digest, 'local', artifactType);
    const layers = (JSON.parse(Buffer.from(found1.manifest).toString()) as { layers: { mediaType: string }[] }).layers;
    if (artifactType === COSIGN_SIG && annotations[COSIGN_TAG_ANNOTATION] === undefined) found.set('cosign-oci-1-1', found1);
    if (artifactType === BUNDLE) found.set('cosign-bundle', found1);
    if (artifactType === NOTATION) found.set(layers[0]?.mediaType === 'application/cose' ? 'notation-cose' : 'notation-jws', found1);
  }
}

async function pem(file: string): Promise<string> {
  return (await readFile(file)).toString();
}

async function cosignTrust(who: string): Promise<TrustMaterial> {
  return { cosign: { keys: [{ name: who, publicKey: await pem(join(cosign.dir, `${who}.pub`)) }] }, notation: { trustStore: [], trustedIdentities: [] } };
}

async function notationTrust(who: string, identity = '*'): Promise<TrustMaterial> {
  const certificate = await pem(join(notation.dir, 'config', 'notation', 'localkeys', `${who}.crt`));
  return { cosign: { keys: [] }, notation: { trustStore: [certificate], trustedIdentities: [identity] } };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-real-signatures-'));
  berth = await startBerth({ config: { projects: [{ name: 'team', kind: 'hosted' }] } });
  for (const [tag, seed] of [['v1', 256], ['v2', 512]] as const) {
    const image = await buildImageLayout(join(work, tag), { tag, layerSizes: [seed] });
    await skopeoCopy(`oci:${image.dir}:${tag}`, `docker://${berth.host}/team/app:${tag}`, { preserveDigests: true });
    if (tag === 'v1') signed = image.topDigest;
    else unsigned = image.topDigest;
  }
  cosign = await createSigningSandbox('cosign', { COSIGN_PASSWORD: 'berth-test-key', COSIGN_EXPERIMENTAL: '1' });
  for (const who of ['team', 'other']) await cosign.run(['generate-key-pair', '--output-key-prefix', join(cosign.dir, who)]);
  const ref = `${berth.host}/team/app@${signed}`;
  const sign = (extra: string[]) => cosign.run(['sign', '--key', join(cosign.dir, 'team.key'), ...OFFLINE_SIGN, ...HTTP, ...extra, ref]);
  await sign([LEGACY]);
  await sign([LEGACY, '--registry-referrers-mode', 'oci-1-1']);
  await sign([]); // cosign 3's default: a sigstore bundle, attached as a referrer
  notation = await createSigningSandbox('notation');
  await notation.run(['cert', 'generate-test', '--default', 'team']);
  await notation.run(['cert', 'generate-test', 'other']);
  await notation.run(['sign', '--insecure-registry', '--expiry', '24h', ref]);
  await notation.run(['sign', '--insecure-registry', '--signature-format', 'cose', '--expiry', '24h', ref]);
  await collectSignatures();
}, 240_000);

afterAll(async () => {
  await cosign?.stop();
  await notation?.stop();
  await berth?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const KINDS: [string, SignatureKind, (who: string) => Promise<TrustMaterial>][] = [
  ['cosign-tag', 'cosign-simple-signing', cosignTrust],
  ['cosign-oci-1-1', 'cosign-simple-signing', cosignTrust],
  ['cosign-bundle', 'cosign-bundle', cosignTrust],
  ['notation-jws', 'notation-jws', (who) => notationTrust(who)],
  ['notation-cose', 'notation-cose', (who) => notationTrust(who)],
];

describe('signatures made by the real cosign and notation', () => {
  it('finds one signature of each kind in Berth', () => {
    expect([...found.keys()].sort()).toEqual(KINDS.map(([name]) => name).sort());
  });

  describe.each(KINDS)('%s', (name, kind, trustOf) => {
    it('passes with the signer’s key or certificate, naming the signer', async () => {
      const verdict = await createSignatureVerifier(await trustOf('team')).verify(signed, [found.get(name)!]);
      expect(verdict.checks).toEqual([expect.objectContaining({ kind, passed: true, signer: expect.stringMatching(/team/) })]);
      expect(verdict.passed).toBe(true);
    });

    it('fails with another key or certificate', async () => {
      const verdict = await createSignatureVerifier(await trustOf('other')).verify(signed, [found.get(name)!]);
      expect(verdict.checks).toEqual([expect.objectContaining({ kind, passed: false })]);
      expect(verdict.passed).toBe(false);
    });

    it('fails for another image', async () => {
      const verdict = await createSignatureVerifier(await trustOf('team')).verify(unsigned, [found.get(name)!]);
      expect(verdict.checks).toEqual([expect.objectContaining({ kind, passed: false, reason: expect.stringMatching(/another manifest digest/) })]);
    });
  });

  it('matches notation identities against the test certificate’s subject, and fails an expired signature', async () => {
    const byName = await notationTrust('team', 'x509.subject: O=Notary, CN=team, C=US');
    expect((await createSignatureVerifier(byName).verify(signed, [found.get('notation-jws')!])).passed).toBe(true);
    const wrongName = await notationTrust('team', 'x509.subject: C=US, ST=WA, L=Seattle, O=Notary, CN=other');
    expect((await createSignatureVerifier(wrongName).verify(signed, [found.get('notation-jws')!])).checks[0]!.reason).toMatch(/not a trusted identity/);
    const dayAndAHalfLater = new Date(Date.now() + 36 * 3_600_000);
    const later = createSignatureVerifier(await notationTrust('team'), { now: () => dayAndAHalfLater });
    for (const name of ['notation-jws', 'notation-cose']) {
      expect((await later.verify(signed, [found.get(name)!])).checks[0]!.reason).toMatch(/expired|not valid at/);
    }
  });

  it('passes the whole set when one signature is trusted, and counts nothing for an unsigned image', async () => {
    const all = [...found.values()];
    const verdict = await createSignatureVerifier(await notationTrust('team')).verify(signed, all);
    expect(verdict.passed).toBe(true);
    expect(verdict.checks.filter((check) => check.passed).map((check) => check.kind).sort()).toEqual(['notation-cose', 'notation-jws']);
    expect((await createSignatureVerifier(await cosignTrust('team')).verify(unsigned, all)).passed).toBe(false);
  });
});

/** `bytes` with one seeded change: a flipped byte, a cut, inserted bytes, or a run overwritten. */
function mutate(prng: Prng, bytes: Uint8Array): Buffer {
  const original = Buffer.from(bytes);
  const at = prng.int(0, Math.max(0, original.length - 1));
  switch (prng.int(0, 3)) {
    case 0: {
      const copy = Buffer.from(original);
      copy[at] = copy[at]! ^ prng.int(1, 255);
      return copy;
    }
    case 1:
      return original.subarray(0, at);
    case 2:
      return Buffer.concat([original.subarray(0, at), prng.bytes(prng.int(1, 64)), original.subarray(at)]);
    default:
      return Buffer.concat([original.subarray(0, at), prng.bytes(Math.min(prng.int(1, 64), original.length - at)), original.subarray(at + 64)]);
  }
}

describe('real signatures, damaged', () => {
  // A seeded run: the same seed damages the same bytes, so a failure can be replayed.
  it('never throws, keeps every reason to one bounded line, and never passes a damaged cosign payload', async () => {
    const prng = new Prng(0x5167);
    const trust: TrustMaterial = { cosign: (await cosignTrust('team')).cosign, notation: (await notationTrust('team')).notation };
    const verifier = createSignatureVerifier(trust);
    for (let round = 0; round < 400; round++) {
      const [name, original] = prng.pick([...found.entries()]);
      const manifest = JSON.parse(Buffer.from(original.manifest).toString()) as { layers: { digest: string }[] };
      const target = prng.chance(0.3) ? 'manifest' : prng.pick(manifest.layers).digest;
      const damaged: SignatureCandidate = target === 'manifest'
        ? { ...original, manifest: mutate(prng, original.manifest) }
        : { ...original, readBlob: async (digest) => (digest === target ? mutate(prng, await original.readBlob(digest)) : original.readBlob(digest)) };
      const verdict = await verifier.verify(signed, [damaged]);
      const [check] = verdict.checks;
      expect(check!.reason).toMatch(/^[^\n]{1,300}$/);
      // A cosign payload is signed byte for byte (envelopes and bundles have unsigned parts, like the signing agent).
      if (target !== 'manifest' && name.startsWith('cosign-') && name !== 'cosign-bundle') {
        expect({ round, name, passed: check!.passed }).toEqual({ round, name, passed: false });
      }
    }
  });
});
