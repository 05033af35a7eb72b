/**
 * The OCI distribution error catalogue: every code Berth can answer with, its HTTP status and
 * default message. Services throw OciError; only the registry's error middleware serializes it.
 */
export const OCI_ERRORS = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, message: 'manifest references a manifest or blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown to registry' },
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 405, message: 'the operation is unsupported' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests' },
  // Not in the spec's table, used by distribution and expected by clients:
  RANGE_INVALID: { status: 416, message: 'invalid content range' },
  MANIFEST_TOO_BIG: { status: 413, message: 'manifest exceeds the size limit' },
  PAGINATION_NUMBER_INVALID: { status: 400, message: 'invalid number of results requested' },
  UNAVAILABLE: { status: 503, message: 'service unavailable' },
  INTERNAL_ERROR: { status: 500, message: 'internal server error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type OciErrorCode = keyof typeof OCI_ERRORS;

/** The spec's error body, `{"errors":[{"code","message","detail"}]}`; Berth's admin API answers in it too. */
export interface ErrorBody {
  errors: Array<{ code: string; message: string; detail?: unknown }>;
}

export function errorBody(code: string, message: string, detail?: unknown): ErrorBody {
  return { errors: [detail === undefined ? { code, message } : { code, message, detail }] };
}

export class OciError extends Error {
  readonly code: OciErrorCode;
  readonly status: number;
  readonly detail: unknown;
  /** Extra response headers (e.g. Range for BLOB_UPLOAD_INVALID, Retry-After for 429). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: OciErrorCode,
    message?: string,
    options: { detail?: unknown; status?: number; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message ?? OCI_ERRORS[code].message, { cause: options.cause });
    this.name = 'OciError';
    this.code = code;
    this.status = options.status ?? OCI_ERRORS[code].status;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }

  /** The spec's JSON error body. */
  toBody(): ErrorBody {
    return errorBody(this.code, this.message, this.detail);
  }
}

export function isOciError(value: unknown): value is OciError {
  return value instanceof OciError;
}
