import { describe, it, expect } from '@jest/globals';
import { formatContentRange, parseContentRange, parseRangeHeader } from './range.js';
import { OciError } from './errors.js';

describe('parseRangeHeader', () => {
  it('serves everything without a header', () => {
    expect(parseRangeHeader(undefined, 100)).toBeUndefined();
  });

  it.each([
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=10-', { start: 10, end: 99 }],
    ['bytes=90-200', { start: 90, end: 99 }],
    ['bytes=99-99', { start: 99, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=-1000', { start: 0, end: 99 }],
    ['bytes=0-99999999999999999999999', { start: 0, end: 99 }],
    ['Bytes = 5-6', { start: 5, end: 6 }],
    ['bytes=5-6 ', { start: 5, end: 6 }],
  ])('reads %s against 100 bytes', (header, expected) => {
    expect(parseRangeHeader(header, 100)).toEqual(expected);
  });

  it.each(['bytes=100-', 'bytes=100-200', 'bytes=99999999999999999999-', 'bytes=-0'])(
    'calls %s unsatisfiable against 100 bytes',
    (header) => {
      expect(parseRangeHeader(header, 100)).toBe('unsatisfiable');
    },
  );

  it('treats any first-pos as unsatisfiable on empty content', () => {
    expect(parseRangeHeader('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=0-0', 0)).toBe('unsatisfiable');
  });

  it('ignores a suffix range on empty content (it selects nothing)', () => {
    expect(parseRangeHeader('bytes=-5', 0)).toBeUndefined();
  });

  it.each([
    ['another unit', 'items=0-5'],
    ['no unit', '0-5'],
    ['last before first', 'bytes=9-3'],
    ['empty spec', 'bytes=-'],
    ['garbage', 'bytes=abc'],
    ['negative first', 'bytes=--5'],
    ['several ranges', 'bytes=0-1,5-6'],
    ['several ranges with spaces', 'bytes=0-1, -5'],
    ['a trailing comma', 'bytes=0-1,'],
  ])('ignores %s (full content)', (_label, header) => {
    expect(parseRangeHeader(header, 100)).toBeUndefined();
  });

  it('refuses an invalid size', () => {
    expect(() => parseRangeHeader('bytes=0-1', -1)).toThrow(RangeError);
    expect(() => parseRangeHeader('bytes=0-1', 1.5)).toThrow(RangeError);
  });
});

describe('formatContentRange', () => {
  it('formats a served range and an unsatisfiable answer', () => {
    expect(formatContentRange({ start: 0, end: 9 }, 100)).toBe('bytes 0-9/100');
    expect(formatContentRange(undefined, 100)).toBe('bytes */100');
  });
});

describe('parseContentRange (upload chunks)', () => {
  it.each([
    ['0-1023', { start: 0, end: 1023 }],
    ['1024-2047', { start: 1024, end: 2047 }],
    ['5-5', { start: 5, end: 5 }],
    ['bytes 0-99', { start: 0, end: 99 }],
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes 0-99/100', { start: 0, end: 99 }],
    ['bytes 0-99/*', { start: 0, end: 99 }],
    [' 10-20 ', { start: 10, end: 20 }],
  ])('reads %s', (header, expected) => {
    expect(parseContentRange(header)).toEqual(expected);
  });

  it.each(['', '10', '10-', '-10', '20-10', 'a-b', 'bytes */100', '0-99999999999999999999', '1-2-3', 'items 0-1'])(
    'rejects %p with RANGE_INVALID (416)',
    (header) => {
      try {
        parseContentRange(header);
        throw new Error('expected a throw');
      } catch (error) {
        expect(error).toBeInstanceOf(OciError);
        expect((error as OciError).code).toBe('RANGE_INVALID');
        expect((error as OciError).status).toBe(416);
      }
    },
  );
});
