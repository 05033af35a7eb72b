import { types, type ParserOptions, type SerializerOptions } from '@electric-sql/pglite';

// PGlite passes parameters and results as text, so a bytea goes through Postgres's hex format
// (`\x` and two hex digits per byte). PGlite's own codec builds that text one byte at a time
// (an array of 2-character strings, joined; parsed back with a parseInt per byte), which made a
// 3.9 MB manifest PUT spend most of its ~2-3 s in that codec and the garbage collector. Node's
// native hex codec does the same conversion in a few milliseconds.

/** bytea → `\x<hex>`, through Node's native hex encoder. */
export function serializeBytea(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

/** `\x<hex>` → a Uint8Array of its own (not a view into Node's shared buffer pool). */
export function parseBytea(text: string): Uint8Array {
  if (!text.startsWith('\\x')) throw new Error('bytea in an unexpected output format (bytea_output must be hex)');
  const bytes = new Uint8Array((text.length - 2) / 2);
  const written = Buffer.from(bytes.buffer).write(text.slice(2), 'hex');
  if (written !== bytes.length) throw new Error('malformed bytea hex text');
  return bytes;
}

export const byteaSerializers: SerializerOptions = { [types.BYTEA]: serializeBytea };
export const byteaParsers: ParserOptions = { [types.BYTEA]: (text: string) => parseBytea(text) };
