import { OciError } from '@berth/oci';

export interface ChallengeOptions {
  realm: string;
  service: string;
  /** The scope the request needed, e.g. `repository:library/nginx:pull`. */
  scope?: string;
  /** RFC 6750 error: `invalid_token` (bad or expired token) or `insufficient_scope`. */
  error?: 'invalid_token' | 'insufficient_scope';
  description?: string;
}

/** RFC 6750 quoted-string: escape backslashes and quotes. */
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

export function bearerChallenge(options: ChallengeOptions): string {
  const params = [`realm=${quote(options.realm)}`, `service=${quote(options.service)}`];
  if (options.scope !== undefined) params.push(`scope=${quote(options.scope)}`);
  if (options.error !== undefined) params.push(`error=${quote(options.error)}`);
  if (options.description !== undefined) params.push(`error_description=${quote(options.description)}`);
  return `Bearer ${params.join(',')}`;
}

/** 401 UNAUTHORIZED with the challenge that tells the client where to get a token for `scope`. */
export function unauthorized(options: ChallengeOptions, message = 'authentication required', detail?: unknown): OciError {
  return new OciError('UNAUTHORIZED', message, {
    headers: { 'WWW-Authenticate': bearerChallenge(options) },
    ...(detail !== undefined ? { detail } : {}),
  });
}
