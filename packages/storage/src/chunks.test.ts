import { Readable } from 'node:stream';
import { describe, it, expect } from '@jest/globals';
import { readPieces, toBuffer } from './chunks.js';
import type { Piece } from './chunks.js';

async function pieces(chunks: (Buffer | string)[], size: number): Promise<{ text: string; last: boolean }[]> {
  const out: Piece[] = [];
  for await (const piece of readPieces(Readable.from(chunks), size)) out.push(piece);
  return out.map((piece) => ({ text: piece.bytes.toString(), last: piece.last }));
}

describe('readPieces', () => {
  it('cuts a stream into pieces of the given size, the last one shorter', async () => {
    expect(await pieces(['abcde', 'fg', 'hijklmn'], 4)).toEqual([
      { text: 'abcd', last: false },
      { text: 'efgh', last: false },
      { text: 'ijkl', last: false },
      { text: 'mn', last: true },
    ]);
  });

  it('marks a full final piece as last without an empty piece after it', async () => {
    expect(await pieces(['ab', 'cd', 'efgh'], 4)).toEqual([
      { text: 'abcd', last: false },
      { text: 'efgh', last: true },
    ]);
  });

  it('yields one empty last piece for an empty source', async () => {
    expect(await pieces([], 4)).toEqual([{ text: '', last: true }]);
    expect(await pieces([Buffer.alloc(0)], 4)).toEqual([{ text: '', last: true }]);
  });

  it('handles a single chunk spanning many pieces', async () => {
    expect(await pieces(['abcdefghij'], 3)).toEqual([
      { text: 'abc', last: false },
      { text: 'def', last: false },
      { text: 'ghi', last: false },
      { text: 'j', last: true },
    ]);
  });

  it('destroys the source when the consumer stops early', async () => {
    const source = Readable.from(['aaaa', 'bbbb', 'cccc']);
    for await (const piece of readPieces(source, 4)) {
      expect(piece.bytes.toString()).toBe('aaaa');
      break;
    }
    expect(source.destroyed).toBe(true);
  });

  it('refuses a nonsensical piece size', async () => {
    await expect(pieces(['a'], 0)).rejects.toThrow('invalid piece size');
  });
});

describe('toBuffer', () => {
  it('accepts Buffers, Uint8Arrays and strings, and nothing else', () => {
    expect(toBuffer(Buffer.from('x')).toString()).toBe('x');
    expect(toBuffer(new Uint8Array([104, 105])).toString()).toBe('hi');
    expect(toBuffer('é').length).toBe(2);
    expect(() => toBuffer(42)).toThrow(TypeError);
  });
});
