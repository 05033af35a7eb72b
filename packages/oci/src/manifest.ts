import { OciError } from './errors.js';
import { invalid, isJsonObject, parseDescriptor, readAnnotations, readOptionalString } from './descriptor.js';
import type { Descriptor, JsonObject } from './descriptor.js';
import {
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  isGenericContentType,
  isIndexMediaType,
  isKnownManifestMediaType,
  isSchema1MediaType,
  normalizeMediaType,
} from './media-types.js';

/** What Berth needs from a manifest or index; the stored bytes stay exactly as received. */
export interface ParsedManifest {
  /** The resolved, normalized media type (one of KNOWN_MANIFEST_MEDIA_TYPES). */
  mediaType: string;
  kind: 'image' | 'index';
  config?: Descriptor;
  /** Image manifests only; empty for indexes. */
  layers: Descriptor[];
  /** Indexes only; empty for image manifests. */
  manifests: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}

function decodeJsonObject(bytes: Uint8Array): JsonObject {
  let text: string;
  try {
    // A byte order mark is kept (and so rejected by JSON.parse), as Go's decoder does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new OciError('MANIFEST_INVALID', 'manifest invalid: body is not valid UTF-8', {
      detail: { reason: 'body is not valid UTF-8' },
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = `body is not valid JSON (${error instanceof Error ? error.message : 'parse error'})`;
    throw new OciError('MANIFEST_INVALID', `manifest invalid: ${reason}`, { detail: { reason }, cause: error });
  }
  if (!isJsonObject(value)) {
    throw new OciError('MANIFEST_INVALID', 'manifest invalid: body must be a JSON object', {
      detail: { reason: 'body must be a JSON object' },
    });
  }
  return value;
}

/** Without a usable media type the shape decides; a body that looks like both kinds is refused. */
function inferMediaType(body: JsonObject): string {
  const looksLikeIndex = body['manifests'] !== undefined;
  const looksLikeImage = body['config'] !== undefined || body['layers'] !== undefined;
  if (looksLikeIndex && !looksLikeImage) return OCI_IMAGE_INDEX;
  if (looksLikeImage && !looksLikeIndex) return OCI_IMAGE_MANIFEST;
  throw invalid('mediaType', 'is absent and the body is neither clearly an image manifest nor an index');
}

/**
 * The body's mediaType wins over a generic Content-Type (absent, application/json,
 * application/octet-stream); a specific Content-Type must agree with it.
 */
function resolveMediaType(body: JsonObject, contentType: string | undefined): string {
  const declared = readOptionalString(body, 'mediaType', 'mediaType');
  const bodyType = normalizeMediaType(declared);
  if (declared !== undefined && bodyType === undefined) throw invalid('mediaType', 'must not be empty');
  const headerType = isGenericContentType(contentType) ? undefined : normalizeMediaType(contentType);
  if (bodyType !== undefined && headerType !== undefined && bodyType !== headerType) {
    throw invalid('mediaType', `"${bodyType}" does not match Content-Type "${headerType}"`);
  }
  const resolved = bodyType ?? headerType ?? inferMediaType(body);
  if (isSchema1MediaType(resolved)) throw invalid('mediaType', 'is Docker schema 1, which Berth does not store');
  if (!isKnownManifestMediaType(resolved)) throw invalid('mediaType', `"${resolved}" is not a supported manifest media type`);
  return resolved;
}

function readDescriptorArray(body: JsonObject, key: string): Descriptor[] {
  const value = body[key];
  if (!Array.isArray(value)) throw invalid(key, 'must be an array of descriptors');
  return value.map((item, i) => parseDescriptor(item, `${key}[${i}]`));
}

/**
 * Parses and validates a manifest or index (OCI or Docker schema 2). Throws MANIFEST_INVALID
 * with `detail: { field?, reason }` naming the first problem found.
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined): ParsedManifest {
  const body = decodeJsonObject(bytes);
  const schemaVersion = body['schemaVersion'];
  if (schemaVersion !== 2) {
    const reason = schemaVersion === 1 ? 'is 1 (Docker schema 1), which Berth does not store' : 'must be 2';
    throw invalid('schemaVersion', reason);
  }
  const mediaType = resolveMediaType(body, contentType);
  const kind = isIndexMediaType(mediaType) ? 'index' : 'image';

  const parsed: ParsedManifest = { mediaType, kind, layers: [], manifests: [] };
  if (kind === 'image') {
    // A document carrying both shapes could be read differently by different clients.
    if (body['manifests'] !== undefined) throw invalid('manifests', 'is not allowed in an image manifest');
    if (body['config'] === undefined) throw invalid('config', 'is required');
    parsed.config = parseDescriptor(body['config'], 'config');
    // An empty layers array is valid: artifacts may carry all their content in config.
    parsed.layers = readDescriptorArray(body, 'layers');
  } else {
    if (body['config'] !== undefined || body['layers'] !== undefined) {
      throw invalid(body['config'] !== undefined ? 'config' : 'layers', 'is not allowed in an index');
    }
    parsed.manifests = readDescriptorArray(body, 'manifests');
  }
  if (body['subject'] !== undefined) parsed.subject = parseDescriptor(body['subject'], 'subject');
  const artifactType = readOptionalString(body, 'artifactType', 'artifactType');
  if (artifactType !== undefined && artifactType !== '') parsed.artifactType = artifactType;
  const annotations = readAnnotations(body, 'annotations', 'annotations');
  if (annotations !== undefined) parsed.annotations = annotations;
  return parsed;
}

function unique(digests: string[]): string[] {
  return [...new Set(digests)];
}

/**
 * Blobs a manifest needs in the repository: config, then layers, each digest once, in order.
 * Layers with `urls` (foreign or non-distributable) are fetched by clients elsewhere, so skipped.
 * The subject is never included: it may legitimately be absent.
 */
export function referencedBlobs(m: ParsedManifest): string[] {
  const digests: string[] = [];
  if (m.config !== undefined) digests.push(m.config.digest);
  for (const layer of m.layers) {
    if (layer.urls !== undefined && layer.urls.length > 0) continue;
    digests.push(layer.digest);
  }
  return unique(digests);
}

/** Child manifests an index needs in the repository, each digest once, in order. */
export function referencedManifests(m: ParsedManifest): string[] {
  return unique(m.manifests.map((d) => d.digest));
}
