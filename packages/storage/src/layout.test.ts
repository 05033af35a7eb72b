import { describe, it, expect } from '@jest/globals';
import { RangeNotSatisfiableError } from './blob-store.js';
import { blobKey, chunkName, isUploadId, parseChunkName, writeAlgorithm } from './layout.js';
import { resolveRange } from './read-range.js';

const SHA256 = `sha256:${'ab'.repeat(32)}`;
const SHA512 = `sha512:${'0c'.repeat(64)}`;

describe('blobKey', () => {
  it('places blobs under blobs/<alg>/<first two hex>/<hex>', () => {
    expect(blobKey(SHA256)).toBe(`blobs/sha256/ab/${'ab'.repeat(32)}`);
    expect(blobKey(SHA512)).toBe(`blobs/sha512/0c/${'0c'.repeat(64)}`);
  });

  it('refuses digests it could not have verified', () => {
    expect(() => blobKey('sha256:../../etc/passwd')).toThrow();
    expect(() => blobKey('md5:abcd')).toThrow();
  });
});

describe('writeAlgorithm', () => {
  it('follows the expected digest, then the requested algorithm, then sha256', () => {
    expect(writeAlgorithm({ expected: SHA512 })).toBe('sha512');
    expect(writeAlgorithm({ algorithm: 'sha512' })).toBe('sha512');
    expect(writeAlgorithm({})).toBe('sha256');
  });

  it('refuses an algorithm that contradicts the expected digest', () => {
    expect(() => writeAlgorithm({ expected: SHA256, algorithm: 'sha512' })).toThrow('does not match');
  });
});

describe('upload chunk names', () => {
  it('zero-pads offsets to 16 digits so names sort by offset', () => {
    expect(chunkName(0)).toBe('0000000000000000');
    expect(chunkName(8388608)).toBe('0000000008388608');
    const names = [chunkName(10), chunkName(9), chunkName(100)].sort();
    expect(names.map(parseChunkName)).toEqual([9, 10, 100]);
  });

  it('ignores names that are not chunks', () => {
    expect(parseChunkName('session')).toBeUndefined();
    expect(parseChunkName('123')).toBeUndefined();
  });

  it('accepts only plain tokens as upload ids', () => {
    expect(isUploadId('3f2c9a4e-1b7d-4c1e-9f00-0123456789ab')).toBe(true);
    expect(isUploadId('../x')).toBe(false);
    expect(isUploadId('a/b')).toBe(false);
    expect(isUploadId('')).toBe(false);
  });
});

describe('resolveRange', () => {
  it('keeps ranges inside the blob and clamps the end', () => {
    expect(resolveRange({ start: 0, end: 0 }, 10)).toEqual({ start: 0, end: 0 });
    expect(resolveRange({ start: 3, end: 100 }, 10)).toEqual({ start: 3, end: 9 });
  });

  it('refuses ranges that start past the end or run backwards', () => {
    expect(() => resolveRange({ start: 10, end: 12 }, 10)).toThrow(RangeNotSatisfiableError);
    expect(() => resolveRange({ start: 5, end: 4 }, 10)).toThrow(RangeNotSatisfiableError);
    expect(() => resolveRange({ start: -1, end: 4 }, 10)).toThrow(RangeNotSatisfiableError);
    expect(() => resolveRange({ start: 0, end: 0 }, 0)).toThrow(RangeNotSatisfiableError);
  });
});
