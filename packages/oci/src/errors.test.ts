import { describe, it, expect } from '@jest/globals';
import { OCI_ERRORS, OciError, isOciError } from './errors.js';

// The distribution spec's error table (code-1 .. code-14); the spec names no statuses, these are distribution's.
const SPEC_CODES: Record<string, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  // 400 as distribution answers it: the manifest is the bad input, not a missing resource.
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
};

describe('OCI error catalogue', () => {
  it('holds every spec code with its status', () => {
    for (const [code, status] of Object.entries(SPEC_CODES)) {
      expect(OCI_ERRORS).toHaveProperty(code);
      expect(OCI_ERRORS[code as keyof typeof OCI_ERRORS].status).toBe(status);
    }
  });

  it('uses only codes the spec allows in form: uppercase letters and underscores', () => {
    for (const [code, entry] of Object.entries(OCI_ERRORS)) {
      expect(code).toMatch(/^[A-Z_]+$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.status).toBeLessThan(600);
      expect(entry.message.length).toBeGreaterThan(0);
    }
  });
});

describe('OciError', () => {
  it('takes status and default message from the catalogue', () => {
    const error = new OciError('BLOB_UNKNOWN');
    expect(error.status).toBe(404);
    expect(error.message).toBe('blob unknown to registry');
    expect(error.toBody()).toEqual({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] });
    expect(isOciError(error)).toBe(true);
    expect(isOciError(new Error('x'))).toBe(false);
  });

  it('carries message, detail, status override, headers and cause', () => {
    const cause = new Error('root');
    const error = new OciError('BLOB_UPLOAD_INVALID', 'out of order', {
      detail: { offset: 5 },
      status: 416,
      headers: { Range: '0-4' },
      cause,
    });
    expect(error.status).toBe(416);
    expect(error.headers).toEqual({ Range: '0-4' });
    expect(error.cause).toBe(cause);
    expect(error.toBody()).toEqual({ errors: [{ code: 'BLOB_UPLOAD_INVALID', message: 'out of order', detail: { offset: 5 } }] });
  });
});
