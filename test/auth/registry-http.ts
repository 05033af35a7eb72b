import { expect } from '@jest/globals';

// Plain-fetch requests for the authentication tests: one request function that reads the whole body
// and never follows redirects, Basic credentials, the RFC 6750 challenge parser and OCI error checks.

export interface Credentials {
  username: string;
  password: string;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface SendInit {
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

export function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** One request; `target` is a path or an absolute URL (a Location header, a token realm). */
export async function send(base: string, method: string, target: string, init: SendInit = {}): Promise<HttpResult> {
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

export function describeResult(result: HttpResult): string {
  return `${result.status} ${result.headers.get('www-authenticate') ?? ''} ${result.text().slice(0, 500)}`;
}

/** The first entry of an OCI error body. */
export function firstError(result: HttpResult): { code: string; message: string; detail?: unknown } {
  const body = result.json<{ errors?: Array<{ code: string; message: string; detail?: unknown }> }>();
  const [first] = body.errors ?? [];
  if (first === undefined) throw new Error(`not an OCI error body: ${describeResult(result)}`);
  return first;
}

/** Assert the status and the OCI error code of an answer. */
export function expectError(result: HttpResult, status: number, code: string): void {
  if (result.status !== status) throw new Error(`expected ${status} ${code}, got ${describeResult(result)}`);
  expect(firstError(result).code).toBe(code);
}

/**
 * The parameters of a `WWW-Authenticate: Bearer k="v",k="v"` challenge. Strict: every value must be a
 * well-formed quoted string or token, separated by commas, so a scope with an unquoted comma fails.
 */
export function parseBearerChallenge(header: string | null): Record<string, string> {
  if (header === null) throw new Error('the answer has no WWW-Authenticate header');
  const match = /^Bearer +(.*)$/.exec(header);
  if (match === null) throw new Error(`not a Bearer challenge: ${header}`);
  const rest = match[1] ?? '';
  const param = /([A-Za-z_][A-Za-z0-9_-]*)=(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9._~+/-]+))(,|$)/y;
  const params: Record<string, string> = {};
  while (param.lastIndex < rest.length) {
    const at = param.lastIndex;
    const found = param.exec(rest);
    if (found === null) throw new Error(`malformed challenge parameters at ${at}: ${header}`);
    const [, key = '', quoted, token] = found;
    if (key in params) throw new Error(`challenge repeats ${key}: ${header}`);
    params[key] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (token ?? '');
    if (found[4] === ',' && param.lastIndex === rest.length) throw new Error(`challenge ends with a comma: ${header}`);
  }
  return params;
}

