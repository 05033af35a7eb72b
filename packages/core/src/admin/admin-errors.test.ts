import { describe, it, expect } from '@jest/globals';
import * as z from 'zod';
import { AdminError, parseInput } from './admin-errors.js';

describe('AdminError', () => {
  it('carries the status of its code and the OCI-style body', () => {
    const error = new AdminError('CONFLICT', 'user alice already exists', { user: 'alice' });
    expect(error.status).toBe(409);
    expect(error.toBody()).toEqual({ errors: [{ code: 'CONFLICT', message: 'user alice already exists', detail: { user: 'alice' } }] });
    expect(new AdminError('NOT_FOUND').toBody()).toEqual({ errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
  });

  it('challenges for Basic credentials on 401 only', () => {
    expect(new AdminError('UNAUTHORIZED').headers).toEqual({ 'WWW-Authenticate': 'Basic realm="berth"' });
    expect(new AdminError('DENIED').headers).toEqual({});
  });
});

describe('parseInput', () => {
  const schema = z.strictObject({ name: z.string().min(2), upstream: z.strictObject({ url: z.url() }), ns: z.array(z.string().regex(/^[a-z.]+$/)).default([]) });

  it('returns the parsed value', () => {
    expect(parseInput(schema, { name: 'ab', upstream: { url: 'https://x.test' } })).toEqual({ name: 'ab', upstream: { url: 'https://x.test' }, ns: [] });
  });

  it('lists every problem with a dotted field path, unknown keys one by one', () => {
    let caught: unknown;
    try {
      parseInput(schema, { name: 'a', upstream: { url: 'nope', extra: 1 }, ns: ['ok', 'NO'], other: true });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AdminError);
    const error = caught as AdminError;
    expect(error.status).toBe(400);
    expect(error.code).toBe('INVALID_INPUT');
    expect((error.detail as Array<{ field: string }>).map((p) => p.field).sort()).toEqual(['name', 'ns.1', 'other', 'upstream.extra', 'upstream.url']);
    expect(error.detail).toContainEqual({ field: 'name', message: 'must be at least 2 characters' });
    expect(error.detail).toContainEqual({ field: 'other', message: 'unknown field' });
    expect(error.message).toContain('name: must be at least 2 characters');
  });

  it('names the root as an empty field when the body is not an object', () => {
    expect(() => parseInput(schema, undefined)).toThrow(expect.objectContaining({ detail: [{ field: '', message: 'required' }] }) as unknown as Error);
  });
});
