import { expect } from '@jest/globals';
import {
  MANIFEST_ACCEPT,
  MEDIA,
  descriptor,
  ociManifest,
  randomBlob,
  randomConfig,
  type Blob,
  type ManifestDoc,
  type OciManifestOptions,
} from './content.js';
import { bearerFor, scopesForUrl } from './bearer.js';
import { targetKind } from './target.js';

// Plain-fetch HTTP helpers for the OCI distribution API tests: one request function that always
// reads the whole body, push helpers that fail loudly, Link parsing and the error-body assertion.

export interface HttpResult {
  status: number;
  headers: Headers;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface RequestInit {
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

/**
 * One request against the registry at `base`. `target` is a path (`/v2/...`) or an absolute URL
 * (a Location header); redirects are not followed so every status is seen as the server sent it.
 * With BERTH_API_TARGET=berth-auth it carries the administrator's token for the repository (bearer.ts).
 */
export async function call(base: string, method: string, target: string, init: RequestInit = {}): Promise<HttpResult> {
  const headers = { ...init.headers };
  if (targetKind() === 'berth-auth' && headers.Authorization === undefined) {
    const token = await bearerFor(base, scopesForUrl(new URL(target, base)));
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  }
  return send(base, method, target, { ...init, headers });
}

/** The request alone, as the client gives it: no credentials added, redirects not followed. */
export async function send(base: string, method: string, target: string, init: RequestInit = {}): Promise<HttpResult> {
  const response = await fetch(new URL(target, base), {
    method,
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: init.body } : {}),
    redirect: 'manual',
  });
  const body = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    headers: response.headers,
    body,
    text: () => body.toString('utf8'),
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  };
}

/** `location` with extra query parameters, keeping the ones the registry put there. */
export function withQuery(base: string, location: string, params: Record<string, string>): string {
  const url = new URL(location, base);
  for (const [key, value] of Object.entries(params)) url.searchParams.append(key, value);
  return url.toString();
}

/** Describe a response for a failure message. */
export function describeResult(result: HttpResult): string {
  return `${result.status} ${result.text().slice(0, 500)}`;
}

/** POST a new upload session; the session's Location. */
export async function startUpload(base: string, repo: string): Promise<string> {
  const started = await call(base, 'POST', `/v2/${repo}/blobs/uploads/`, { headers: { 'Content-Length': '0' } });
  const location = started.headers.get('location');
  if (started.status !== 202 || location === null) throw new Error(`starting an upload in ${repo}: ${describeResult(started)}`);
  return location;
}

/** Upload a blob with POST then PUT (the method every registry must support). */
export async function pushBlob(base: string, repo: string, blob: Blob): Promise<void> {
  const location = await startUpload(base, repo);
  const put = await call(base, 'PUT', withQuery(base, location, { digest: blob.digest }), {
    headers: { 'Content-Type': 'application/octet-stream' },
    body: blob.bytes,
  });
  if (put.status !== 201) throw new Error(`pushing blob ${blob.digest} to ${repo}: ${describeResult(put)}`);
}

/** PUT a manifest under `reference` (tag or digest) with its own media type; the raw response. */
export async function putManifest(base: string, repo: string, reference: string, doc: ManifestDoc): Promise<HttpResult> {
  return call(base, 'PUT', `/v2/${repo}/manifests/${reference}`, {
    headers: { 'Content-Type': doc.mediaType },
    body: doc.bytes,
  });
}

/** PUT a manifest that must be accepted. */
export async function pushManifest(base: string, repo: string, reference: string, doc: ManifestDoc): Promise<HttpResult> {
  const result = await putManifest(base, repo, reference, doc);
  if (result.status !== 201) throw new Error(`pushing manifest ${doc.digest} to ${repo}:${reference}: ${describeResult(result)}`);
  return result;
}

export async function getManifest(base: string, repo: string, reference: string, method = 'GET'): Promise<HttpResult> {
  return call(base, method, `/v2/${repo}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT } });
}

export interface PushedImage {
  manifest: ManifestDoc;
  config: Blob;
  layers: Blob[];
}

/**
 * Push a config, `layerCount` random layers and an OCI manifest over them (under `reference`, by
 * default the manifest's digest). `extra` adds subject, artifactType or annotations.
 */
export async function pushImage(
  base: string,
  repo: string,
  reference?: string,
  extra: Partial<Omit<OciManifestOptions, 'config' | 'layers'>> & { layerCount?: number } = {},
): Promise<PushedImage> {
  const { layerCount = 1, ...manifestOptions } = extra;
  const config = randomConfig();
  const layers = Array.from({ length: layerCount }, () => randomBlob(256 + Math.floor(Math.random() * 256)));
  for (const blob of [config, ...layers]) await pushBlob(base, repo, blob);
  const manifest = ociManifest({
    config: descriptor(MEDIA.ociConfig, config),
    layers: layers.map((layer) => descriptor(MEDIA.ociLayer, layer)),
    ...manifestOptions,
  });
  await pushManifest(base, repo, reference ?? manifest.digest, manifest);
  return { manifest, config, layers };
}

/** The target of a `Link: <url>; rel="next"` header, or undefined when there is none. */
export function parseNextLink(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
    if (match === null) continue;
    const params = match[2] ?? '';
    if (/(^|;)\s*rel\s*=\s*"?next"?\s*(;|$)/i.test(params)) return match[1];
  }
  return undefined;
}

export interface OciErrorEntry {
  code: string;
  message?: unknown;
  detail?: unknown;
}

/** The spec's error body: `{"errors":[{"code","message","detail"}]}` with well-formed codes. */
export function errorEntries(result: HttpResult): OciErrorEntry[] {
  let body: unknown;
  try {
    body = result.json();
  } catch {
    throw new Error(`error body is not JSON: ${describeResult(result)}`);
  }
  expect(body).toEqual(expect.objectContaining({ errors: expect.any(Array) }));
  const errors = (body as { errors: unknown[] }).errors;
  expect(errors.length).toBeGreaterThan(0);
  for (const entry of errors) {
    expect(entry).toEqual(expect.objectContaining({ code: expect.stringMatching(/^[A-Z_]+$/) }));
    const message = (entry as { message?: unknown }).message;
    if (message !== undefined) expect(typeof message).toBe('string');
  }
  return errors as OciErrorEntry[];
}

/** Assert an error answer: this status and (among the errors) this code. */
export function expectOciError(result: HttpResult, status: number, code: string): void {
  if (result.status !== status) throw new Error(`expected ${status} ${code}, got ${describeResult(result)}`);
  expect(errorEntries(result).map((entry) => entry.code)).toContain(code);
}

/** The codes the spec's error table allows. */
export const SPEC_ERROR_CODES = [
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
  'TOOMANYREQUESTS',
] as const;
