import { describe, it, expect } from '@jest/globals';
import { createDigester, digestOf, isDigest, isDigestAlgorithm, matchesDigestGrammar, parseDigest } from './digest.js';
import { OciError } from './errors.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

// Published test vectors (FIPS 180-2 "abc", and the empty input).
const SHA256_ABC = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const SHA256_EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA512_ABC =
  'sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';

function digestError(fn: () => unknown): OciError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OciError);
    return error as OciError;
  }
  throw new Error('expected an OciError');
}

describe('parseDigest', () => {
  it('splits a sha256 digest', () => {
    expect(parseDigest(SHA256_ABC)).toEqual({
      algorithm: 'sha256',
      hex: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      digest: SHA256_ABC,
    });
  });

  it('splits a sha512 digest', () => {
    const parsed = parseDigest(SHA512_ABC);
    expect(parsed.algorithm).toBe('sha512');
    expect(parsed.hex).toHaveLength(128);
  });

  it.each([
    ['empty string', ''],
    ['no colon', 'sha256'],
    ['empty encoded part', 'sha256:'],
    ['empty algorithm', ':abc'],
    ['uppercase algorithm', 'SHA256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['trailing separator in algorithm', 'sha256+:abc'],
    ['space', 'sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['two colons', 'sha256:abc:def'],
  ])('rejects bad grammar (%s) with DIGEST_INVALID', (_label, input) => {
    const error = digestError(() => parseDigest(input));
    expect(error.code).toBe('DIGEST_INVALID');
    expect(error.status).toBe(400);
    expect(error.message).toBe('invalid digest');
  });

  it.each([
    ['too short', 'sha256:ba7816bf'],
    ['too long', `${SHA256_ABC}00`],
    ['uppercase hex', SHA256_ABC.toUpperCase().replace('SHA256', 'sha256')],
    ['non-hex characters', `sha256:${'g'.repeat(64)}`],
    ['sha512 with sha256 length', `sha512:${'a'.repeat(64)}`],
  ])('rejects a wrong encoded part (%s)', (_label, input) => {
    const error = digestError(() => parseDigest(input));
    expect(error.code).toBe('DIGEST_INVALID');
    expect(error.message).toMatch(/lowercase hex/);
  });

  it.each(['sha384:' + 'a'.repeat(96), 'multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8', 'sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564'])(
    'rejects a grammar-valid but unsupported algorithm (%s)',
    (input) => {
      expect(matchesDigestGrammar(input)).toBe(true);
      const error = digestError(() => parseDigest(input));
      expect(error.code).toBe('DIGEST_INVALID');
      expect(error.message).toMatch(/^unsupported digest algorithm/);
    },
  );

  it('keeps very long input out of the error detail', () => {
    const error = digestError(() => parseDigest(`sha256:${'x'.repeat(10_000)}!`));
    expect(JSON.stringify(error.detail).length).toBeLessThan(300);
  });
});

describe('isDigest / isDigestAlgorithm', () => {
  it('answers without throwing', () => {
    expect(isDigest(SHA256_ABC)).toBe(true);
    expect(isDigest(SHA512_ABC)).toBe(true);
    expect(isDigest('sha256:abc')).toBe(false);
    expect(isDigest('latest')).toBe(false);
    expect(isDigestAlgorithm('sha512')).toBe(true);
    expect(isDigestAlgorithm('md5')).toBe(false);
  });
});

describe('digestOf', () => {
  it('hashes with sha256 by default', () => {
    expect(digestOf(utf8('abc'))).toBe(SHA256_ABC);
    expect(digestOf(new Uint8Array())).toBe(SHA256_EMPTY);
  });

  it('hashes with sha512 when asked', () => {
    expect(digestOf(utf8('abc'), 'sha512')).toBe(SHA512_ABC);
  });

  it('refuses an unsupported algorithm', () => {
    const error = digestError(() => digestOf(utf8('abc'), 'md5' as never));
    expect(error.code).toBe('DIGEST_INVALID');
  });
});

describe('createDigester', () => {
  it('gives the same digest for chunked input as for the whole', () => {
    const digester = createDigester();
    for (const part of ['a', '', 'b', 'c']) digester.update(utf8(part));
    expect(digester.algorithm).toBe('sha256');
    expect(digester.digest()).toBe(SHA256_ABC);
  });

  it('supports sha512 and repeated digest() calls', () => {
    const digester = createDigester('sha512');
    digester.update(utf8('ab'));
    digester.update(utf8('c'));
    expect(digester.digest()).toBe(SHA512_ABC);
    expect(digester.digest()).toBe(SHA512_ABC);
  });

  it('digests nothing as the empty input', () => {
    expect(createDigester().digest()).toBe(SHA256_EMPTY);
  });

  it('refuses updates after digest()', () => {
    const digester = createDigester();
    digester.digest();
    expect(() => digester.update(utf8('late'))).toThrow('digester already finalized');
  });

  it('refuses an unsupported algorithm', () => {
    expect(() => createDigester('sha1' as never)).toThrow(OciError);
  });
});
