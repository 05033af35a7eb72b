import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { describe, it, expect } from '@jest/globals';
import type { Request } from 'express';
import { OciError } from '@berth/oci';
import { readBody } from './body.js';

/** A chunked request body (no Content-Length) of `chunks` chunks of `size` bytes. */
function chunkedRequest(chunks: number, size: number): Request {
  const body = Readable.from((function* () {
    for (let i = 0; i < chunks; i += 1) yield Buffer.alloc(size, i);
  })());
  return Object.assign(body, { headers: {} }) as unknown as Request;
}

describe('readBody', () => {
  it('reads a body within the limit', async () => {
    expect((await readBody(chunkedRequest(3, 10), 100)).length).toBe(30);
  });

  it('refuses a chunked body over the limit with 413 and drains it instead of destroying it (the connection must live to carry the 413)', async () => {
    const req = chunkedRequest(20, 1000);
    const error = await readBody(req, 5000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OciError);
    expect((error as OciError).status).toBe(413);
    // finished() rejects with a premature close when the request was destroyed.
    await expect(finished(req as unknown as Readable)).resolves.toBeUndefined();
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    const req = Object.assign(Readable.from([Buffer.alloc(10)]), { headers: { 'content-length': '5001' } }) as unknown as Request;
    await expect(readBody(req, 5000)).rejects.toMatchObject({ status: 413 });
  });
});
