import { digestOf, isDigestAlgorithm, isGenericContentType, normalizeMediaType } from '@berth/oci';
import type { OciErrorCode, Reference } from '@berth/oci';
import { refusedAnswer } from './errors.js';
import type { UpstreamError } from './errors.js';
import { discard, header, readBody } from './http.js';
import type { UpstreamFetch, UpstreamResponse } from './http.js';
import { contentLength } from './responses.js';
import type { FetchedManifest, ManifestHead } from './types.js';

export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface ManifestContext {
  upstream: string;
  maxBytes: number | undefined;
  fetch: UpstreamFetch;
}

/**
 * HEAD a manifest: its digest (Docker-Content-Digest, or the reference when that is a digest),
 * media type and size. An upstream that leaves out the digest or length for a tag is asked with a
 * GET instead, whose bytes tell both.
 */
export async function headManifest(context: ManifestContext, url: URL, repository: string, ref: Reference, accept: readonly string[]): Promise<ManifestHead | null> {
  const response = await context.fetch('manifest-head', 'HEAD', url, repository, acceptHeader(accept));
  if (response === null) return null;
  discard(response);
  const announced = header(response.headers, 'docker-content-digest')?.trim();
  const size = contentLength(response);
  if (ref.kind === 'digest') checkAnnounced(context.upstream, announced, ref.digest);
  const digest = ref.kind === 'digest' ? ref.digest : announced;
  if (digest === undefined || !isAnnouncedDigest(digest) || size === undefined) {
    const fetched = await fetchManifest(context, url, repository, ref, accept);
    return fetched === null ? null : { digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.size };
  }
  const mediaType = normalizeMediaType(header(response.headers, 'content-type')) ?? 'application/octet-stream';
  return { digest, mediaType, size };
}

/**
 * GET a manifest's exact bytes, at most `maxBytes`. Its digest is computed from the bytes (sha256,
 * or sha512 for a sha512 reference) and must equal the reference when that is a digest, and the
 * upstream's Docker-Content-Digest when it sent one.
 */
export async function fetchManifest(context: ManifestContext, url: URL, repository: string, ref: Reference, accept: readonly string[]): Promise<FetchedManifest | null> {
  const maxBytes = context.maxBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
  const response = await context.fetch('manifest-get', 'GET', url, repository, acceptHeader(accept));
  if (response === null) return null;
  const announcedLength = contentLength(response);
  if (announcedLength !== undefined && announcedLength > maxBytes) {
    discard(response);
    throw tooBig(context.upstream, maxBytes);
  }
  const bytes = await readBody(response, maxBytes, context.upstream);
  if (bytes === undefined) throw tooBig(context.upstream, maxBytes);
  const digest = digestOf(bytes, ref.kind === 'digest' ? ref.algorithm : 'sha256');
  if (ref.kind === 'digest' && digest !== ref.digest) {
    throw refusal(context.upstream, 'DIGEST_INVALID', `upstream sent a manifest hashing to ${digest} for ${ref.digest}`);
  }
  const announced = header(response.headers, 'docker-content-digest')?.trim();
  checkAnnounced(context.upstream, announced, undefined, bytes);
  return { digest, mediaType: manifestMediaType(response, bytes), size: bytes.length, bytes };
}

function acceptHeader(accept: readonly string[]): Record<string, string> {
  return accept.length > 0 ? { accept: accept.join(', ') } : {};
}

function isAnnouncedDigest(value: string): boolean {
  const colon = value.indexOf(':');
  return colon > 0 && isDigestAlgorithm(value.slice(0, colon)) && /^[0-9a-f]+$/.test(value.slice(colon + 1));
}

/**
 * A Docker-Content-Digest that contradicts the reference (same algorithm) or the bytes is an
 * error; one in an algorithm Berth cannot compute is ignored.
 */
function checkAnnounced(upstream: string, announced: string | undefined, reference: string | undefined, bytes?: Buffer): void {
  if (announced === undefined || announced === '') return;
  const algorithm = announced.slice(0, announced.indexOf(':'));
  if (!isDigestAlgorithm(algorithm)) return;
  if (reference !== undefined && reference.startsWith(`${algorithm}:`) && announced !== reference) {
    throw refusal(upstream, 'DIGEST_INVALID', `upstream announced ${announced} for ${reference}`);
  }
  if (bytes !== undefined && digestOf(bytes, algorithm) !== announced) {
    throw refusal(upstream, 'DIGEST_INVALID', `upstream announced ${announced} but the manifest hashes to ${digestOf(bytes, algorithm)}`);
  }
}

/** Content-Type names the format; a generic one (application/json) defers to the document's mediaType. */
function manifestMediaType(response: UpstreamResponse, bytes: Buffer): string {
  const type = normalizeMediaType(header(response.headers, 'content-type'));
  if (type !== undefined && !isGenericContentType(type)) return type;
  try {
    const declared = (JSON.parse(bytes.toString()) as { mediaType?: unknown }).mediaType;
    if (typeof declared === 'string' && declared !== '') return declared;
  } catch {
    // not JSON: the caller's manifest validation will say so
  }
  return type ?? 'application/octet-stream';
}

function tooBig(upstream: string, maxBytes: number): UpstreamError {
  return refusal(upstream, 'MANIFEST_TOO_BIG', `upstream manifest is larger than ${maxBytes} bytes`);
}

function refusal(upstream: string, code: OciErrorCode, message: string): UpstreamError {
  return refusedAnswer(upstream, 200, code, message);
}
