import { describe, it, expect } from '@jest/globals';
import { assertRepositoryName, assertTag, isRepositoryName, isTag, parseReference, projectOf } from './names.js';
import { OciError } from './errors.js';
import type { OciErrorCode } from './errors.js';

const SHA256 = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

function codeOf(fn: () => unknown): OciErrorCode {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OciError);
    return (error as OciError).code;
  }
  throw new Error('expected an OciError');
}

describe('repository names', () => {
  it.each([
    'alpine',
    'library/alpine',
    'a/b/c/d',
    'my-org/my.repo_name',
    'a__b',
    'a---b',
    'ghcr.io/owner/repo',
    '0',
    'x'.repeat(255),
  ])('accepts %s', (name) => {
    expect(isRepositoryName(name)).toBe(true);
    expect(() => assertRepositoryName(name)).not.toThrow();
  });

  it.each([
    ['empty', ''],
    ['uppercase', 'Library/alpine'],
    ['leading separator', '-alpine'],
    ['trailing separator', 'alpine-'],
    ['triple underscore', 'a___b'],
    ['double dot', 'a..b'],
    ['mixed separators', 'a._b'],
    ['leading slash', '/alpine'],
    ['trailing slash', 'alpine/'],
    ['empty component', 'library//alpine'],
    ['colon', 'localhost:5000/alpine'],
    ['space', 'my repo'],
    ['too long', 'x'.repeat(256)],
    ['too long with slashes', `${'a/'.repeat(127)}ab`],
  ])('rejects %s with NAME_INVALID', (_label, name) => {
    expect(isRepositoryName(name)).toBe(false);
    expect(codeOf(() => assertRepositoryName(name))).toBe('NAME_INVALID');
  });

  it('reports the name in the error detail', () => {
    try {
      assertRepositoryName('Bad/Name');
      throw new Error('expected a throw');
    } catch (error) {
      expect((error as OciError).detail).toEqual({ name: 'Bad/Name' });
      expect((error as OciError).status).toBe(400);
    }
  });
});

describe('projectOf', () => {
  it('returns the first path component', () => {
    expect(projectOf('library/alpine')).toBe('library');
    expect(projectOf('ghcr.io/owner/repo')).toBe('ghcr.io');
    expect(projectOf('alpine')).toBe('alpine');
  });

  it('rejects invalid names', () => {
    expect(codeOf(() => projectOf('Library/alpine'))).toBe('NAME_INVALID');
  });
});

describe('tags', () => {
  it.each(['latest', 'v1.2.3', '_private', '1', 'A_b-c.d', 'x'.repeat(128), 'sha256-abc.sig'])('accepts %s', (tag) => {
    expect(isTag(tag)).toBe(true);
    expect(() => assertTag(tag)).not.toThrow();
  });

  it.each([
    ['empty', ''],
    ['leading dot', '.hidden'],
    ['leading dash', '-x'],
    ['too long', 'x'.repeat(129)],
    ['colon', 'a:b'],
    ['slash', 'a/b'],
    ['plus', 'v1+build'],
  ])('rejects %s', (_label, tag) => {
    expect(isTag(tag)).toBe(false);
    expect(codeOf(() => assertTag(tag))).toBe('MANIFEST_INVALID');
    expect(codeOf(() => assertTag(tag, 'MANIFEST_UNKNOWN'))).toBe('MANIFEST_UNKNOWN');
  });
});

describe('parseReference', () => {
  it('parses a tag', () => {
    expect(parseReference('v1.0')).toEqual({ kind: 'tag', tag: 'v1.0' });
  });

  it('parses a digest', () => {
    expect(parseReference(SHA256)).toEqual({
      kind: 'digest',
      digest: SHA256,
      algorithm: 'sha256',
      hex: SHA256.slice('sha256:'.length),
    });
  });

  it('answers MANIFEST_UNKNOWN (404) for anything invalid when pulling', () => {
    expect(codeOf(() => parseReference('bad tag'))).toBe('MANIFEST_UNKNOWN');
    expect(codeOf(() => parseReference('sha256:abc'))).toBe('MANIFEST_UNKNOWN');
    expect(codeOf(() => parseReference(`sha384:${'a'.repeat(96)}`, 'pull'))).toBe('MANIFEST_UNKNOWN');
  });

  it('answers MANIFEST_INVALID for a bad tag and DIGEST_INVALID for a bad digest when pushing', () => {
    expect(codeOf(() => parseReference('.bad', 'push'))).toBe('MANIFEST_INVALID');
    expect(codeOf(() => parseReference('sha256:abc', 'push'))).toBe('DIGEST_INVALID');
    expect(codeOf(() => parseReference(`sha384:${'a'.repeat(96)}`, 'push'))).toBe('DIGEST_INVALID');
  });
});
