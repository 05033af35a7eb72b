import * as z from 'zod';
import { configErrorMap } from '@berth/config';
import { errorBody, type ErrorBody } from '@berth/oci';

/**
 * The admin API's error catalogue. Services throw AdminError; the registry's error middleware
 * writes it as `{"errors":[{"code","message","detail"}]}`, the shape OCI errors have.
 */
export const ADMIN_ERRORS = {
  INVALID_INPUT: { status: 400, message: 'the request is not valid' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'you may not do this' },
  NOT_FOUND: { status: 404, message: 'not found' },
  CONFLICT: { status: 409, message: 'conflicts with the current state' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests' },
} as const satisfies Record<string, { status: number; message: string }>;

export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

/** One problem with a request body or query: `field` is a dotted path (`upstream.url`, `ns.0`). */
export interface FieldProblem {
  field: string;
  message: string;
}

/** What clients are told to do on 401: send Basic credentials (a Bearer token works too). */
export const ADMIN_CHALLENGE = 'Basic realm="berth"';

export class AdminError extends Error {
  readonly status: number;
  /** Extra response headers (the challenge on 401). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: AdminErrorCode,
    message: string = ADMIN_ERRORS[code].message,
    readonly detail?: unknown,
    /** Response headers besides the 401 challenge (Retry-After on 429). */
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'AdminError';
    this.status = ADMIN_ERRORS[code].status;
    this.headers = code === 'UNAUTHORIZED' ? { ...headers, 'WWW-Authenticate': ADMIN_CHALLENGE } : { ...headers };
  }

  toBody(): ErrorBody {
    return errorBody(this.code, this.message, this.detail);
  }
}

export function isAdminError(value: unknown): value is AdminError {
  return value instanceof AdminError;
}

const CODE_BY_STATUS: Readonly<Record<number, AdminErrorCode>> = { 401: 'UNAUTHORIZED', 403: 'DENIED', 404: 'NOT_FOUND', 409: 'CONFLICT', 429: 'TOOMANYREQUESTS' };

/**
 * A client error raised outside the admin services (a login lockout, a path Express could not
 * decode) as the admin API answers it; INVALID_INPUT for a 4xx without a code of its own here.
 */
export function adminErrorFor(status: number, message: string, headers: Readonly<Record<string, string>> = {}): AdminError {
  return new AdminError(CODE_BY_STATUS[status] ?? 'INVALID_INPUT', message, undefined, headers);
}

/** 400 INVALID_INPUT listing every problem. */
export function invalidInput(problems: FieldProblem[]): AdminError {
  const summary = problems.map((p) => (p.field === '' ? p.message : `${p.field}: ${p.message}`)).join('; ');
  return new AdminError('INVALID_INPUT', `invalid input: ${summary}`, problems);
}

/** One problem per zod issue, and one per unknown key. */
export function fieldProblems(issues: readonly z.core.$ZodIssue[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ field: dotted([...issue.path, key]), message: 'unknown field' });
    } else {
      problems.push({ field: dotted(issue.path), message: issue.message });
    }
  }
  return problems;
}

/** Validate `value` with `schema`; 400 INVALID_INPUT with field problems otherwise. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value, { error: configErrorMap });
  if (!result.success) throw invalidInput(fieldProblems(result.error.issues));
  return result.data;
}

function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}
