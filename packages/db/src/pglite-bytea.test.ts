import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { types } from '@electric-sql/pglite';
import { parseBytea, serializeBytea } from './pglite-bytea.js';

// The native-hex bytea codec must write and read exactly what PGlite's own (per-byte) codec does.
const pgliteSerialize = types.serializers[types.BYTEA] as (value: unknown) => string;
const pgliteParse = types.parsers[types.BYTEA] as (text: string, typeId: number) => Uint8Array;

describe('PGlite bytea codec', () => {
  it.each([0, 1, 255, 64 * 1024 + 3])('writes the same hex text as PGlite for %i bytes, and reads it back', (size) => {
    const bytes = new Uint8Array(randomBytes(size));
    const text = serializeBytea(bytes);
    expect(text).toBe(pgliteSerialize(bytes));
    const parsed = parseBytea(text);
    expect(parsed.constructor).toBe(Uint8Array);
    expect(parsed).toEqual(pgliteParse(text, types.BYTEA));
    expect(Buffer.from(parsed).equals(Buffer.from(bytes))).toBe(true);
  });

  it('encodes only the bytes of a view, not its whole buffer', () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5]);
    expect(serializeBytea(whole.subarray(1, 3))).toBe('\\x0203');
  });

  it('refuses what is not bytea hex text', () => {
    expect(() => serializeBytea('text')).toThrow('Invalid input for bytea type');
    expect(() => parseBytea('plain')).toThrow(/hex/);
    expect(() => parseBytea('\\x0g')).toThrow(/malformed/);
  });
});
