import { z } from 'zod';
import type { SignatureKind } from './types.js';

/**
 * The parts of a candidate's manifest that say what kind of signature it is and where its
 * signature material lives. Anything that does not fit is a malformed candidate (a failed check).
 */

export const COSIGN_SIGNATURE_ARTIFACT = 'application/vnd.dev.cosign.artifact.sig.v1+json';
export const COSIGN_SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGSTORE_BUNDLE_PREFIX = 'application/vnd.dev.sigstore.bundle';
export const NOTATION_SIGNATURE = 'application/vnd.cncf.notary.signature';
export const NOTATION_JWS = 'application/jose+json';
export const NOTATION_COSE = 'application/cose';
/** What `cosign sign` puts in a bundle's statement; attestations (`cosign attest`) carry their own predicate type. */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
const BUNDLE_PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';

/** Bounds on what a manifest may list before it is refused as a signature: a signature has a handful of layers. */
const MAX_SIGNATURE_LAYERS = 16;

const digestSchema = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'not a sha256 digest');
const annotationsSchema = z.record(z.string(), z.string()).optional();
const descriptorSchema = z.object({
  mediaType: z.string().max(255),
  digest: z.string().max(200),
  size: z.number().int().nonnegative().optional(),
  annotations: annotationsSchema,
});

const manifestSchema = z.object({
  mediaType: z.string().optional(),
  artifactType: z.string().max(255).optional(),
  config: descriptorSchema.optional(),
  layers: z.array(descriptorSchema).max(1000).optional(),
  annotations: annotationsSchema,
});

export type Descriptor = z.infer<typeof descriptorSchema>;
export type CandidateManifest = z.infer<typeof manifestSchema>;

export type ParsedManifest = { ok: true; manifest: CandidateManifest } | { ok: false; reason: string };

export function parseCandidateManifest(bytes: Uint8Array): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { ok: false, reason: 'the manifest is not JSON' };
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'the manifest is not an OCI image manifest' };
  return { ok: true, manifest: parsed.data };
}

/** The candidate's artifact type: the manifest's own, else what the listing said, else its config's media type. */
function artifactTypeOf(manifest: CandidateManifest, listed: string | undefined): string | undefined {
  return manifest.artifactType ?? listed ?? manifest.config?.mediaType;
}

/** Which verifier handles the candidate, from its artifact type and its layers' media types. */
export function classifyManifest(manifest: CandidateManifest, listedArtifactType: string | undefined): SignatureKind {
  const artifactType = artifactTypeOf(manifest, listedArtifactType);
  const layerTypes = (manifest.layers ?? []).map((layer) => layer.mediaType);
  if (artifactType === COSIGN_SIGNATURE_ARTIFACT || layerTypes.includes(COSIGN_SIMPLE_SIGNING)) return 'cosign-simple-signing';
  if (artifactType?.startsWith(SIGSTORE_BUNDLE_PREFIX) === true || layerTypes.some((type) => type.startsWith(SIGSTORE_BUNDLE_PREFIX))) {
    // cosign marks what a bundle holds; an attestation bundle (SBOM, provenance) is not a signature.
    const predicate = manifest.annotations?.[BUNDLE_PREDICATE_ANNOTATION];
    return predicate === undefined || predicate === COSIGN_SIGN_PREDICATE ? 'cosign-bundle' : 'not-a-signature';
  }
  if (artifactType === NOTATION_SIGNATURE) {
    if (layerTypes.includes(NOTATION_JWS)) return 'notation-jws';
    if (layerTypes.includes(NOTATION_COSE)) return 'notation-cose';
    return 'notation-jws'; // a notation signature without a known envelope fails in the JWS check, with its reason
  }
  return 'not-a-signature';
}

/** The layers of `mediaType` (or starting with it), at most MAX_SIGNATURE_LAYERS, each with a sha256 digest. */
export function signatureLayers(manifest: CandidateManifest, matches: (mediaType: string) => boolean): Descriptor[] | string {
  const layers = (manifest.layers ?? []).filter((layer) => matches(layer.mediaType));
  if (layers.length === 0) return 'the manifest has no signature layer';
  if (layers.length > MAX_SIGNATURE_LAYERS) return `the manifest has ${layers.length} signature layers (at most ${MAX_SIGNATURE_LAYERS} are read)`;
  for (const layer of layers) {
    if (!digestSchema.safeParse(layer.digest).success) return `a signature layer's digest is not a sha256 digest`;
  }
  return layers;
}
