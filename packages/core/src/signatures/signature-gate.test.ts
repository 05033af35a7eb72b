import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { OciError, type Descriptor } from '@berth/oci';
import type { SignatureCandidate, SignatureVerifier } from '@berth/signatures';
import type { StoredManifest } from '../manifests.js';
import { ContentVersionReads, InProcessContentVersions, type ContentVersions } from '../proxy/content-versions.js';
import { InMemoryReferrersCache } from '../referrers-cache/in-memory.js';
import type { ReferrersSnapshot } from '../referrers.js';
import { ProjectRows } from '../project-rows.js';
import { ProjectPolicies } from './project-policies.js';
import { SignatureEvidence } from './signature-evidence.js';
import { SignatureGate } from './signature-gate.js';
import { VerdictCache } from './verdict-cache.js';

// The gate's plumbing with a fake verifier (the real one has its own tests in packages/signatures):
// what it hands the verifier, the bounds, the cache and its basis, and that nothing becomes a 5xx.

const digest = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const IMAGE = 'application/vnd.oci.image.manifest.v1+json';

function signatureManifest(n: number): { bytes: Buffer; descriptor: Descriptor } {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: IMAGE, n }));
  return { bytes, descriptor: { mediaType: IMAGE, digest: digest(bytes.toString()), size: bytes.length, artifactType: SIG } };
}

interface Fixture {
  gate: SignatureGate;
  verified: SignatureCandidate[][];
  basis: { value: string | undefined };
  shared: InMemoryReferrersCache;
  /** Reads of the project's content version, which the snapshots make as ReferrersService's do. */
  versionReads: { count: number };
  versions: ContentVersions;
}

function fixture(options: { signatures: number; verifier?: SignatureVerifier; unreadable?: Set<string>; shared?: InMemoryReferrersCache; extra?: Descriptor[]; parents?: string[] }): Fixture {
  const signatures = Array.from({ length: options.signatures }, (_, i) => signatureManifest(i));
  const byDigest = new Map(signatures.map((s) => [s.descriptor.digest, s.bytes]));
  const verified: SignatureCandidate[][] = [];
  const verifier: SignatureVerifier = options.verifier ?? {
    async verify(subject, candidates) {
      verified.push([...candidates]);
      return { subject, passed: false, checks: candidates.map((c) => ({ digest: c.digest, source: c.source, kind: 'cosign-simple-signing', passed: false, reason: 'fake: untrusted' })) };
    },
  };
  const basis = { value: 'v1' as string | undefined };
  const snapshot: ReferrersSnapshot = {
    get basis() {
      return basis.value;
    },
    descriptors: async () => ({ descriptors: [...(options.extra ?? []), ...signatures.map((s) => s.descriptor)], fromUpstream: new Set<string>() }),
  };
  const project = { id: 7, name: 'team', settings: { signaturePolicy: { mode: 'enforce', cosign: { keys: [{ name: 'k', publicKey: 'pem' }] } } } };
  const shared = options.shared ?? new InMemoryReferrersCache();
  const versionReads = { count: 0 };
  const inProcess = new InProcessContentVersions();
  const versions: ContentVersions = { current: (projectId) => ((versionReads.count += 1), inProcess.current(projectId)), bump: (projectId) => inProcess.bump(projectId) };
  const gate = new SignatureGate({
    policies: new ProjectPolicies(new ProjectRows({ listProjects: async () => [project as never] }), () => verifier),
    // Each snapshot reads the content version for its basis: through the reads it is given, else the shared versions.
    referrers: {
      snapshot: async (projectId, _name, _subject, reads) => {
        await (reads ?? versions).current(projectId);
        return snapshot;
      },
    },
    evidence: new SignatureEvidence({
      manifests: {
        get: async (_name: string, reference: string) => {
          if (options.unreadable?.has(reference)) throw new OciError('MANIFEST_UNKNOWN', 'gone');
          return { digest: reference, mediaType: IMAGE, content: byDigest.get(reference)!, subject: null };
        },
      },
      blobs: { stat: async () => ({ digest: '', size: 1 }), open: async () => Readable.from([Buffer.from('x')]) },
      proxy: {} as never,
    }),
    metadata: { listParentIndexes: async () => options.parents ?? [] },
    versions,
    cache: new VerdictCache(shared),
  });
  return { gate, verified, basis, shared, versionReads, versions };
}

const image: StoredManifest = { digest: digest('image'), mediaType: IMAGE, content: Buffer.from('{"layers":[]}'), subject: null };

async function refusal(gate: SignatureGate): Promise<string> {
  const error = await gate.check('team/app', image, false).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OciError);
  expect((error as OciError).code).toBe('DENIED');
  return (error as OciError).message;
}

describe('SignatureGate', () => {
  it('hands the verifier only signature entries, at most 100, and says how many more there were', async () => {
    const sbom: Descriptor = { mediaType: IMAGE, digest: digest('sbom'), size: 10, artifactType: 'application/spdx+json' };
    const { gate, verified } = fixture({ signatures: 103, extra: [sbom] });
    const message = await refusal(gate);
    expect(verified[0]).toHaveLength(100);
    expect(verified[0]!.some((c) => c.digest === sbom.digest)).toBe(false);
    expect(message).toContain('3 signatures listed beyond the first 100');
  });

  it('makes an unreadable signature and a throwing verifier failed signatures with reasons, not errors', async () => {
    const unreadable = signatureManifest(0).descriptor.digest;
    const { gate } = fixture({ signatures: 2, unreadable: new Set([unreadable]) });
    expect(await refusal(gate)).toContain(`${unreadable} (local, not-a-signature): could not be read: gone`);
    const throwing = fixture({ signatures: 1, verifier: { verify: async () => { throw new Error('boom'); } } });
    expect(await refusal(throwing.gate)).toContain('verification failed: boom');
  });

  it('reuses a verdict while the basis is unchanged, reaches a new one when it changes, and shares it through the store', async () => {
    const { gate, verified, basis, shared } = fixture({ signatures: 1 });
    await refusal(gate);
    await refusal(gate);
    expect(verified).toHaveLength(1);
    basis.value = 'v2';
    await refusal(gate);
    expect(verified).toHaveLength(2);
    // Another process (a second gate on the same shared store) uses the stored verdict.
    const peer = fixture({ signatures: 1, shared });
    peer.basis.value = 'v2';
    await refusal(peer.gate);
    expect(peer.verified).toHaveLength(0);
    // Without a basis nothing is reused.
    basis.value = undefined;
    await refusal(gate);
    await refusal(gate);
    expect(verified).toHaveLength(4);
  });

  it('reads the content version once for a manifest by digest and the indexes that list it, or not at all when the request read it', async () => {
    const { gate, versionReads, versions } = fixture({ signatures: 1, parents: [digest('index-1'), digest('index-2')] });
    await expect(gate.check('team/app', image, true)).rejects.toThrow(/signature policy of project team/);
    expect(versionReads.count).toBe(1);
    // The manifest was read with the request's reads (as the route does): the gate reads nothing more.
    const request = new ContentVersionReads(versions);
    await request.current(7);
    await expect(gate.check('team/app', image, true, { versions: request })).rejects.toThrow(/signature policy of project team/);
    expect(versionReads.count).toBe(2);
  });

  it('serves an image without a trusted signature to a caller who may push, and only then asks', async () => {
    const { gate } = fixture({ signatures: 1 });
    let asked = 0;
    await gate.check('team/app', image, false, { mayPush: async () => ((asked += 1), true) });
    expect(asked).toBe(1);
    await expect(gate.check('team/app', image, false, { mayPush: async () => false })).rejects.toThrow(/signature policy of project team/);
  });
});
