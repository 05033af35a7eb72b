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
