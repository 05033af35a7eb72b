import { UpstreamError, UpstreamUnavailableError, decodeErrorBody } from './errors.js';
import { discard, header, readBody } from './http.js';
import type { UpstreamResponse } from './http.js';

/** Error bodies larger than this are not decoded. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * Sorts an upstream answer: 2xx is returned, 404 becomes null (body discarded), 429 and 5xx throw
 * UpstreamUnavailableError, any other status throws UpstreamError with the decoded error body.
 */
export async function expectSuccess(response: UpstreamResponse, upstream: string): Promise<UpstreamResponse | null> {
  const status = response.status;
  if (status >= 200 && status < 300) return response;
  if (status === 404) {
    discard(response);
    return null;
  }
  if (status === 429 || status >= 500) {
    discard(response);
    const retryAfterMs = parseRetryAfter(header(response.headers, 'retry-after'));
    throw new UpstreamUnavailableError(upstream, `status-${status}`, `answered ${status}`, {
      host: response.url.host,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  // A HEAD answer has no body; its status still says what went wrong.
  const body = await readBody(response, MAX_ERROR_BODY_BYTES, upstream).catch(() => undefined);
  throw new UpstreamError(upstream, status, decodeErrorBody(status, body));
}

/** Retry-After as delay-seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Content-Length as a number, or undefined when absent or malformed. */
export function contentLength(response: UpstreamResponse): number | undefined {
  const value = header(response.headers, 'content-length');
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : undefined;
}

/** `Content-Range: bytes <start>-<end>/<total>` of a 206 answer. */
export function parseResponseContentRange(value: string | undefined): { start: number; end: number; total: number | undefined } | undefined {
  const match = value === undefined ? null : /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value);
  if (match === null) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  const total = match[3] === '*' ? undefined : Number(match[3]);
  if (end < start || (total !== undefined && end >= total)) return undefined;
  return { start, end, total };
}
