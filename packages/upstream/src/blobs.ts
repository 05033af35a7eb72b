import { ResumableBlobBody } from './blob-stream.js';
import type { BlobSegment } from './blob-stream.js';
import type { CircuitBreaker } from './breaker.js';
import { refusedAnswer } from './errors.js';
import { discard, header } from './http.js';
import type { UpstreamFetch, UpstreamResponse } from './http.js';
import { contentLength, parseResponseContentRange } from './responses.js';
import type { UpstreamBlob } from './types.js';

export interface BlobContext {
  upstream: string;
  fetch: UpstreamFetch;
  breaker: CircuitBreaker;
  maxResumes: number | undefined;
}

/** HEAD a blob: its size, or null when the upstream does not have it. */
export async function headBlob(context: BlobContext, url: URL, repository: string): Promise<{ size: number } | null> {
  const response = await context.fetch('blob-head', 'HEAD', url, repository);
  if (response === null) return null;
  discard(response);
  const size = contentLength(response);
  if (size === undefined) throw refusedAnswer(context.upstream, response.status, 'SIZE_INVALID', 'a blob HEAD answer without Content-Length');
  return { size };
}

/**
 * GET a blob from `offset` (a Range request when > 0). The body resumes by itself after a cut;
 * every reopening goes through the breaker like any other call.
 */
export async function openBlob(
  context: BlobContext,
  url: URL,
  repository: string,
  digest: string,
  offset: number,
  signal: AbortSignal | undefined,
): Promise<UpstreamBlob | null> {
  const first = await context.breaker.run(() => openSegment(context, url, repository, offset, undefined, signal));
  if (first === null) return null;
  const body = new ResumableBlobBody({
    upstream: context.upstream,
    digest,
    size: first.size,
    offset,
    first,
    ...(context.maxResumes !== undefined ? { maxResumes: context.maxResumes } : {}),
    ...(signal !== undefined ? { signal } : {}),
    reopen: async (position) => {
      const segment = await context.breaker.run(() => openSegment(context, url, repository, position, first.size, signal));
      if (segment === null) throw refusedAnswer(context.upstream, 404, 'BLOB_UNKNOWN', `blob ${digest} vanished upstream while it was read`);
      return segment;
    },
  });
  return { size: first.size, body, recycle: (chunk) => body.recycle(chunk), receiveInto: (receiver) => body.receiveInto(receiver) };
}

/** The blob's bytes from `position` (or from an earlier start, for a 200), and the blob's full size. */
async function openSegment(
  context: BlobContext,
  url: URL,
  repository: string,
  position: number,
  knownSize: number | undefined,
  signal: AbortSignal | undefined,
): Promise<(BlobSegment & { size: number }) | null> {
  const headers: Record<string, string> = position > 0 ? { range: `bytes=${position}-` } : {};
  const response = await context.fetch('blob-get', 'GET', url, repository, headers, signal);
  if (response === null) return null;
  try {
    return blobSegment(context.upstream, response, position, knownSize);
  } catch (error) {
    discard(response);
    throw error;
  }
}

function blobSegment(upstream: string, response: UpstreamResponse, position: number, knownSize: number | undefined): BlobSegment & { size: number } {
  const status = response.status;
  let start = 0;
  let size: number | undefined;
  if (status === 206) {
    const range = parseResponseContentRange(header(response.headers, 'content-range'));
    if (range === undefined || range.start > position) {
      throw refusedAnswer(upstream, status, 'RANGE_INVALID', `a partial blob answer whose Content-Range does not start at ${position}`);
    }
    start = range.start;
    size = range.total;
  } else if (status === 200) {
    size = contentLength(response); // the whole blob: the bytes before `position` are skipped
  } else {
    throw refusedAnswer(upstream, status, 'UNSUPPORTED', `unexpected status ${status} for a blob`);
  }
  if (size === undefined) throw refusedAnswer(upstream, status, 'SIZE_INVALID', 'a blob answer without its length');
  if (knownSize !== undefined && size !== knownSize) {
    throw refusedAnswer(upstream, status, 'SIZE_INVALID', `the blob's size changed from ${knownSize} to ${size} bytes`);
  }
  if (position > size) throw refusedAnswer(upstream, status, 'RANGE_INVALID', `offset ${position} is past the blob's ${size} bytes`);
  return {
    body: response.body,
    start,
    size,
    ...(response.recycle !== undefined ? { recycle: response.recycle } : {}),
    ...(response.handOver !== undefined ? { handOver: response.handOver } : {}),
  };
}
