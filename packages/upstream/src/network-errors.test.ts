import { describe, expect, it } from '@jest/globals';
import { describeNetworkError, isTimeout } from './network-errors.js';

const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('describeNetworkError', () => {
  it('names errno failures in words, with the code', () => {
    expect(describeNetworkError(coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'))).toBe('connection refused (ECONNREFUSED)');
    expect(describeNetworkError(coded('ENOTFOUND', 'getaddrinfo ENOTFOUND x.invalid'))).toBe('DNS lookup failed (no such host) (ENOTFOUND)');
    expect(describeNetworkError(coded('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'))).toBe('timeout waiting for the answer headers (UND_ERR_HEADERS_TIMEOUT)');
  });

  it('says a certificate error is one, with the verification reason', () => {
    expect(describeNetworkError(coded('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'))).toBe('TLS certificate error (DEPTH_ZERO_SELF_SIGNED_CERT): self-signed certificate');
    expect(describeNetworkError(coded('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"))).toMatch(/^TLS certificate error/);
  });

  it('reads the first attempt of an AggregateError (one connection per address) and causes', () => {
    const aggregate = Object.assign(new AggregateError([coded('ECONNREFUSED', 'connect ECONNREFUSED ::1:5000')], ''), {});
    expect(describeNetworkError(aggregate)).toBe('connection refused (ECONNREFUSED)');
    expect(describeNetworkError(new Error('fetch failed', { cause: coded('EAI_AGAIN', 'getaddrinfo EAI_AGAIN') }))).toBe('DNS lookup failed (temporary failure) (EAI_AGAIN)');
  });

  it('keeps unknown codes and messages as they are', () => {
    expect(describeNetworkError(coded('EWHATEVER', 'odd'))).toBe('EWHATEVER: odd');
    expect(describeNetworkError(new Error('plain'))).toBe('plain');
  });

  it('tells timeouts apart', () => {
    expect(isTimeout(coded('UND_ERR_CONNECT_TIMEOUT', 'x'))).toBe(true);
    expect(isTimeout(coded('ECONNREFUSED', 'x'))).toBe(false);
  });
});
