import { asErrorLike } from '@berth/oci';
/**
 * What a failed connection to an upstream says in words an operator acts on: refused, DNS,
 * unreachable, timeout, TLS certificate, reset. Socket errors are read by shape (code, message,
 * the first of an AggregateError's attempts), not by class: they may come from another realm.
 */

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

const WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'DNS lookup failed (no such host)',
  EAI_AGAIN: 'DNS lookup failed (temporary failure)',
  EAI_FAIL: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connect timeout',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout waiting for the answer headers',
  UND_ERR_BODY_TIMEOUT: 'timeout waiting for body bytes',
  UND_ERR_SOCKET: 'connection closed by the other side',
  UND_ERR_INVALID_RESPONSE: 'not a valid HTTP answer',
  UND_ERR_HEADERS_OVERFLOW: 'answer headers too large',
};

/** OpenSSL's certificate verification codes as Node names them, and Node's own host-name check. */
const CERTIFICATE_CODE = /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|ERR_TLS_CERT_ALTNAME_INVALID|INVALID_CA|INVALID_PURPOSE|HOSTNAME_MISMATCH)/;


/** The code and message that say most: the error's own, else its first attempt's, else its cause's. */
function essentials(error: unknown): { code: string; message: string } {
  let code = '';
  let message = '';
  for (let current = asErrorLike(error), depth = 0; current !== undefined && depth < 4; depth += 1) {
    const first = Array.isArray(current.errors) ? asErrorLike(current.errors[0]) : undefined;
    if (code === '' && typeof current.code === 'string') code = current.code;
    if (message === '' && typeof current.message === 'string') message = current.message;
    if (code === '' && typeof first?.code === 'string') code = first.code;
    if (message === '' && typeof first?.message === 'string') message = first.message;
    if (code !== '' && message !== '') break;
    current = asErrorLike(current.cause);
  }
  return { code, message: message === '' && error !== null && typeof error !== 'object' ? String(error) : message };
}

/** True when the failure is a timeout (connect, headers or body). */
export function isTimeout(error: unknown): boolean {
  return TIMEOUT_CODES.has(essentials(error).code);
}

/**
 * One line naming the failure: `connection refused (ECONNREFUSED)`, `DNS lookup failed (no such
 * host) (ENOTFOUND)`, `TLS certificate error (DEPTH_ZERO_SELF_SIGNED_CERT): self-signed certificate`.
 */
export function describeNetworkError(error: unknown): string {
  const { code, message } = essentials(error);
  if (CERTIFICATE_CODE.test(code)) return `TLS certificate error (${code}): ${message}`;
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /^(EPROTO)$/.test(code)) return `TLS error (${code}): ${message}`;
  const words = WORDS[code];
  if (words !== undefined) return `${words} (${code})`;
  if (code !== '') return `${code}: ${message}`;
  return message === '' ? 'unknown network error' : message;
}
