import { startBerth, type BerthUnderTest, type StartBerthOptions } from '../harness/berth.js';

// The admin API over HTTP with fetch and Basic credentials, as an operator's script would call it.

export interface Account {
  name: string;
  password: string;
}

export const ADMIN: Account = { name: 'admin', password: 'admin-password-1' };

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty answer. */
  body: unknown;
}

export interface CallOptions {
  /** Basic credentials; anonymous when absent. */
  as?: Account;
  body?: unknown;
}

export class AdminApi {
  constructor(readonly base: string) {}

  async call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (options.as !== undefined) headers.Authorization = basic(options.as);
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.base}/api/v1${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  /** A call that must succeed with `status`; its body. */
  async expect<T = Record<string, unknown>>(status: number, method: string, path: string, options: CallOptions = {}): Promise<T> {
    const answer = await this.call(method, path, options);
    if (answer.status !== status) {
      throw new Error(`${method} ${path} as ${options.as?.name ?? 'anonymous'}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    return answer.body as T;
  }
}

export function basic(account: Account): string {
  return `Basic ${Buffer.from(`${account.name}:${account.password}`).toString('base64')}`;
}

/** The first error of an error answer. */
export function errorOf(answer: Answer): { code: string; message: string; detail?: unknown } {
  const errors = (answer.body as { errors?: Array<{ code: string; message: string; detail?: unknown }> } | undefined)?.errors;
  if (errors?.[0] === undefined) throw new Error(`not an error answer: ${answer.status} ${JSON.stringify(answer.body)}`);
  return errors[0];
}

/** Berth with authentication on and the administrator's password set. */
export async function startBerthWithAuth(options: StartBerthOptions = {}): Promise<BerthUnderTest> {
  return startBerth({ ...options, config: { auth: { admin: { password: ADMIN.password } }, ...options.config } });
}
