import { OCI_ERRORS, OciError } from '@berth/oci';
import type { OciErrorCode } from '@berth/oci';

/** Why an upstream could not be reached: 'timeout', 'connection', 'offline' or `status-<code>`. */
export type UnavailableReason = 'timeout' | 'connection' | 'offline' | `status-${number}`;

/**
 * The upstream could not answer: connection refused or cut, a timeout, a 5xx or 429, or the
 * breaker is open. Callers may serve stale content; the breaker counts these.
 */
export class UpstreamUnavailableError extends Error {
  readonly upstream: string;
  readonly reason: UnavailableReason;
  /** What went wrong, in words: `connection refused (ECONNREFUSED)`, `TLS certificate error (...)`, `... answered 503`. */
  readonly detail: string;
  /** The host (and port) that could not be used, when one was asked: the upstream, its token service, a redirect's target. */
  readonly host: string | undefined;
  /** From a 429's or 503's Retry-After header, when it had one. */
  readonly retryAfterMs: number | undefined;

  constructor(upstream: string, reason: UnavailableReason, detail: string, options: { cause?: unknown; retryAfterMs?: number; host?: string } = {}) {
    super(`upstream ${upstream} unavailable (${reason}): ${options.host !== undefined ? `${options.host}: ` : ''}${detail}`, { cause: options.cause });
    this.name = 'UpstreamUnavailableError';
    this.upstream = upstream;
    this.reason = reason;
    this.detail = detail;
    this.host = options.host;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The upstream answered and refused (401, 403, 400, ...), or sent content that failed a check
 * (digest mismatch, manifest too big). `ociError` is the upstream's own error when its body had one.
 */
export class UpstreamError extends Error {
  readonly upstream: string;
  /** HTTP status of the upstream answer this error comes from (200 for content that failed a check). */
  readonly status: number;
  readonly ociError: OciError;

  constructor(upstream: string, status: number, ociError: OciError) {
    super(`upstream ${upstream} answered ${status}: ${ociError.code}: ${ociError.message}`, { cause: ociError });
    this.name = 'UpstreamError';
    this.upstream = upstream;
    this.status = status;
    this.ociError = ociError;
  }

  get code(): OciErrorCode {
    return this.ociError.code;
  }
}

export function isUpstreamUnavailable(error: unknown): error is UpstreamUnavailableError {
  return error instanceof UpstreamUnavailableError;
}

/** The code to use when an upstream's error body has none Berth knows. */
export function fallbackCode(status: number): OciErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'DENIED';
    case 404:
      return 'NAME_UNKNOWN';
    case 405:
      return 'UNSUPPORTED';
    case 413:
      return 'MANIFEST_TOO_BIG';
    case 416:
      return 'RANGE_INVALID';
    case 429:
      return 'TOOMANYREQUESTS';
    default:
      return status >= 500 ? 'UNAVAILABLE' : 'UNSUPPORTED';
  }
}

function isKnownCode(code: unknown): code is OciErrorCode {
  return typeof code === 'string' && Object.hasOwn(OCI_ERRORS, code);
}

/** Upstream text is untrusted: keep error messages short. */
function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/**
 * The first entry of an upstream's `{"errors":[{code,message,detail}]}` body as an OciError,
 * or an error named after the status when the body is not such a document. Unknown codes
 * (e.g. Docker Hub's INSUFFICIENT_SCOPE) keep their name in `detail.upstreamCode`.
 */
export function decodeErrorBody(status: number, body: Buffer | string | undefined): OciError {
  let entry: { code?: unknown; message?: unknown; detail?: unknown } | undefined;
  if (body !== undefined && body.length > 0) {
    try {
      const parsed = JSON.parse(body.toString()) as { errors?: unknown };
      const first = Array.isArray(parsed.errors) ? (parsed.errors[0] as unknown) : undefined;
      if (first !== null && typeof first === 'object') entry = first as typeof entry;
    } catch {
      entry = undefined;
    }
  }
  if (entry === undefined) return new OciError(fallbackCode(status));
  const message = typeof entry.message === 'string' && entry.message !== '' ? clip(entry.message) : undefined;
  if (isKnownCode(entry.code)) return new OciError(entry.code, message, { detail: entry.detail });
  const detail = typeof entry.code === 'string' ? { upstreamCode: clip(entry.code, 60), upstreamDetail: entry.detail } : entry.detail;
  return new OciError(fallbackCode(status), message, { detail });
}

/** An answer Berth refuses although the upstream sent it (wrong digest, size or range, too big). */
export function refusedAnswer(upstream: string, status: number, code: OciErrorCode, message: string): UpstreamError {
  return new UpstreamError(upstream, status, new OciError(code, message));
}
