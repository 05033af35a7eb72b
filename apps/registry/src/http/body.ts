import { PassThrough, type Readable } from 'node:stream';
import type { Request } from 'express';
import { OciError } from '@berth/oci';

/**
 * Read a whole request body into memory, refusing more than `limit` bytes with 413 as soon as the
 * declared or received length passes it (so an oversized body is never buffered).
 */
export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooBig(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early must not destroy the request (that closes the connection before the
  // 413 is sent): the rest is drained once the iterator has let go of the stream.
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) break;
    chunks.push(chunk);
  }
  if (size > limit) {
    req.resume();
    throw tooBig(limit);
  }
  return Buffer.concat(chunks, size);
}

function tooBig(limit: number): OciError {
  return new OciError('MANIFEST_TOO_BIG', `the body exceeds the ${limit}-byte limit`, { detail: { limit } });
}

/**
 * The request body as a stream the services may destroy (a failed write's pipeline destroys its
 * source) without destroying the request: destroying the request would reset the connection,
 * and the client, still sending, would never read the error answer (a 507 for a full disk). The
 * error handler drains what is left of the body before it answers.
 */
export function uploadBody(req: Request): Readable {
  const body = new PassThrough({ highWaterMark: 1024 * 1024 });
  req.once('error', (error) => body.destroy(error));
  // A client gone mid-body: the consumer sees the stream end early, as it would have seen the request's.
  req.once('close', () => {
    if (!req.complete) body.destroy(Object.assign(new Error('the client closed the connection mid-body'), { code: 'ECONNRESET' }));
  });
  req.pipe(body);
  return body;
}
