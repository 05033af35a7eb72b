import { expect } from '@jest/globals';
import type { HttpResult, RequestInit } from '../api/helpers.js';

export { send, type HttpResult } from '../api/helpers.js';
export type SendInit = RequestInit;

// Helpers for the authentication tests: the API tests' plain request (`send`: whole body read,
// redirects not followed, no credentials added), Basic credentials, the RFC 6750 challenge parser
// and OCI error checks.

export interface Credentials {
  username: string;
  password: string;
}

export function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
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

