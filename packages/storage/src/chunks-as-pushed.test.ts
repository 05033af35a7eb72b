import { Readable } from 'node:stream';
import { describe, it, expect } from '@jest/globals';
import { chunksAsPushed } from './chunks-as-pushed.js';

/** A byte stream whose chunks are all buffered before anyone reads. */
function buffered(chunks: Buffer[]): Readable {
  const stream = new Readable({ read: () => undefined, highWaterMark: 1024 * 1024 });
  for (const chunk of chunks) stream.push(chunk);
  stream.push(null);
  return stream;
}

async function collect(stream: Readable): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of chunksAsPushed(stream)) out.push(chunk);
  return out;
}

describe('chunksAsPushed', () => {
  it('yields each pushed Buffer itself, even when several were buffered (no concatenated copy)', async () => {
    const chunks = [Buffer.from('first'), Buffer.from('second'), Buffer.from('third')];
    const out = await collect(buffered(chunks));
    expect(out).toHaveLength(3);
    out.forEach((chunk, i) => expect(chunk).toBe(chunks[i]));
  });

  it('keeps backpressure: the source is asked for more only as the consumer takes chunks', async () => {
    let produced = 0;
    const stream = new Readable({
      highWaterMark: 4,
      read() {
        produced += 1;
        this.push(produced <= 100 ? Buffer.alloc(4, produced) : null);
      },
    });
    const iterator = chunksAsPushed(stream);
    await iterator.next();
    await new Promise((resolve) => setImmediate(resolve));
    expect(produced).toBeLessThan(5);
    let rest = 0;
    for await (const chunk of iterator) {
      expect(chunk).toHaveLength(4);
      rest += 1;
    }
    expect(rest).toBe(99);
  });

  it('turns string chunks into UTF-8 Buffers', async () => {
    const out = await collect(Readable.from(['a', 'bc'], { objectMode: false }));
    expect(Buffer.concat(out).toString()).toBe('abc');
  });

  it("throws the stream's error after the chunks that came before it", async () => {
    const stream = new Readable({ read: () => undefined });
    stream.push(Buffer.from('x'));
    const seen: string[] = [];
    const reading = (async () => {
      for await (const chunk of chunksAsPushed(stream)) {
        seen.push(chunk.toString());
        stream.destroy(new Error('upstream cut'));
      }
    })();
    await expect(reading).rejects.toThrow('upstream cut');
    expect(seen).toEqual(['x']);
  });

  it('throws when the stream is destroyed before its end without an error', async () => {
    const stream = new Readable({ read: () => undefined });
    const reading = collect(stream);
    setImmediate(() => stream.destroy());
    await expect(reading).rejects.toThrow('closed before its end');
  });

  it('destroys the stream when the consumer stops early', async () => {
    const stream = buffered([Buffer.from('a'), Buffer.from('b')]);
    for await (const chunk of chunksAsPushed(stream)) {
      expect(chunk.toString()).toBe('a');
      break;
    }
    expect(stream.destroyed).toBe(true);
  });

  it('ends at once on an empty stream', async () => {
    expect(await collect(buffered([]))).toEqual([]);
  });
});
