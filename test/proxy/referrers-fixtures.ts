import { attachArtifactToImage } from '@sigstore/oci';
import { EMPTY_JSON, MEDIA, blobOf, descriptor, manifestDescriptor, ociManifest, type ManifestDoc } from '../api/content.js';
import { call } from '../api/helpers.js';
import { pushBlob, pushManifest } from '../upstream/push.js';

// Referrers content for the proxy referrers tests: artifacts pushed by hand (notation-style) and
// with @sigstore/oci, and a reader that follows every page of a referrers answer.

export const SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const NOTATION_SIGNATURE = 'application/vnd.cncf.notary.signature';
export const COSIGN_SIG_ARTIFACT = 'application/vnd.dev.cosign.artifact.sig.v1+json';

/** An artifact manifest (empty config, one small layer) pointing at `subject`, pushed to `base`. */
export async function pushArtifact(base: string, repository: string, subject: ManifestDoc, artifactType: string, token?: string): Promise<ManifestDoc> {
  const payload = blobOf(`${artifactType} for ${subject.digest} ${Math.random()}`);
  await pushBlob(base, repository, EMPTY_JSON, token);
  await pushBlob(base, repository, payload, token);
  const manifest = ociManifest({
    artifactType,
    config: descriptor('application/vnd.oci.empty.v1+json', EMPTY_JSON),
    layers: [descriptor('application/octet-stream', payload)],
    subject: manifestDescriptor(subject),
  });
  await pushManifest(base, repository, manifest.digest, manifest, token);
  return manifest;
}

/**
 * A cosign-style legacy signature: a manifest without `subject`, tagged `sha256-<hex>.sig` next
 * to the image (what cosign does where there is no referrers API).
 */
export async function pushCosignSignature(base: string, repository: string, subject: ManifestDoc, token?: string): Promise<ManifestDoc> {
  const payload = blobOf(`cosign signature of ${subject.digest}`);
  await pushBlob(base, repository, EMPTY_JSON, token);
  await pushBlob(base, repository, payload, token);
  const manifest = ociManifest({
    config: descriptor(MEDIA.ociConfig, EMPTY_JSON),
    layers: [descriptor('application/vnd.dev.cosign.simplesigning.v1+json', payload)],
  });
  await pushManifest(base, repository, `${subject.digest.replace(':', '-')}.sig`, manifest, token);
  return manifest;
}

/**
 * A sigstore bundle attached with @sigstore/oci (referrers API where there is one, else the tag
 * schema). The package always signs in first and expects the registry to challenge it.
 */
export async function attachSigstoreBundle(host: string, repository: string, subjectDigest: string, credentials: { username: string; password: string }): Promise<string> {
  const attached = await attachArtifactToImage({
    imageName: `${host}/${repository}`,
    imageDigest: subjectDigest,
    artifact: Buffer.from(JSON.stringify({ mediaType: SIGSTORE_BUNDLE, note: `bundle for ${subjectDigest}`, at: Math.random() })),
    mediaType: SIGSTORE_BUNDLE,
    credentials,
  }).catch((error: unknown) => {
    // The package's own message hides the reason in its cause chain.
    const reasons: string[] = [];
    for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) reasons.push(cause.message);
    throw new Error(`@sigstore/oci could not attach to ${host}/${repository}: ${reasons.join(': ')}`);
  });
  return attached.digest;
}

export interface ReferrersAnswer {
  digests: string[];
  artifactTypes: Array<string | undefined>;
  pages: number;
  headers: Headers[];
}

/** GET a referrers answer and every page its Link headers lead to. */
export async function readReferrers(base: string, path: string): Promise<ReferrersAnswer> {
  const answer: ReferrersAnswer = { digests: [], artifactTypes: [], pages: 0, headers: [] };
  let next: string | undefined = path;
  while (next !== undefined) {
    const res = await call(base, 'GET', next);
    if (res.status !== 200) throw new Error(`GET ${next}: ${res.status} ${res.body.toString()}`);
    const index = JSON.parse(res.body.toString()) as { mediaType: string; manifests: Array<{ digest: string; artifactType?: string }> };
    if (index.mediaType !== MEDIA.ociIndex) throw new Error(`GET ${next}: not an image index`);
    answer.digests.push(...index.manifests.map((m) => m.digest));
    answer.artifactTypes.push(...index.manifests.map((m) => m.artifactType));
    answer.pages += 1;
    answer.headers.push(res.headers);
    const link = res.headers.get('link');
    next = link === null ? undefined : /^<([^>]+)>;\s*rel="next"$/.exec(link)?.[1];
  }
  return answer;
}
