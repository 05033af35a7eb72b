import { describe, expect, it } from '@jest/globals';
import { OciError } from '@berth/oci';
import { UpstreamError, UpstreamUnavailableError, decodeErrorBody, fallbackCode } from './errors.js';

describe('decodeErrorBody', () => {
  it('keeps the first entry of an OCI error body', () => {
    const body = Buffer.from(JSON.stringify({ errors: [{ code: 'DENIED', message: 'no pull for you', detail: { repo: 'x' } }, { code: 'UNAUTHORIZED', message: 'second' }] }));
    const error = decodeErrorBody(403, body);
    expect(error).toBeInstanceOf(OciError);
    expect(error.code).toBe('DENIED');
    expect(error.message).toBe('no pull for you');
    expect(error.detail).toEqual({ repo: 'x' });
  });

  it('maps codes Berth does not know to the status, keeping their name', () => {
    const body = JSON.stringify({ errors: [{ code: 'INSUFFICIENT_SCOPE', message: 'scope', detail: null }] });
    const error = decodeErrorBody(401, body);
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toBe('scope');
    expect(error.detail).toEqual({ upstreamCode: 'INSUFFICIENT_SCOPE', upstreamDetail: null });
  });

  it('names the status when the body is not an error document', () => {
    expect(decodeErrorBody(401, Buffer.from('<html>nope</html>')).code).toBe('UNAUTHORIZED');
    expect(decodeErrorBody(403, undefined).code).toBe('DENIED');
    expect(decodeErrorBody(400, Buffer.alloc(0)).code).toBe('UNSUPPORTED');
    expect(decodeErrorBody(401, '{"errors":[]}').message).toBe('authentication required');
  });

  it('cuts long upstream messages', () => {
    const error = decodeErrorBody(400, JSON.stringify({ errors: [{ code: 'NAME_INVALID', message: 'x'.repeat(5000) }] }));
    expect(error.code).toBe('NAME_INVALID');
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('error classes', () => {
  it('UpstreamError exposes the OCI code and the upstream status', () => {
    const error = new UpstreamError('hub', 403, new OciError('DENIED'));
    expect(error.code).toBe('DENIED');
    expect(error.status).toBe(403);
    expect(error.message).toContain('hub');
  });

  it('UpstreamUnavailableError carries its reason', () => {
    const error = new UpstreamUnavailableError('hub', 'status-503', 'answered 503', { retryAfterMs: 2000 });
    expect(error.reason).toBe('status-503');
    expect(error.retryAfterMs).toBe(2000);
    expect(error.message).toContain('unavailable (status-503)');
  });

  it('fallbackCode covers the common statuses', () => {
    expect([401, 403, 405, 416, 429, 502].map(fallbackCode)).toEqual(['UNAUTHORIZED', 'DENIED', 'UNSUPPORTED', 'RANGE_INVALID', 'TOOMANYREQUESTS', 'UNAVAILABLE']);
  });
});
