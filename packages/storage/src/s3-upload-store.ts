import type { Readable } from 'node:stream';
import { parseDigest } from '@berth/oci';
import { NotFoundError, UploadOffsetError } from './blob-store.js';
import type { BlobInfo, DigestString, UploadStore } from './blob-store.js';
import { readPieces } from './chunks.js';
import { assertUploadId, chunkName, isUploadId, parseChunkName } from './layout.js';
import { deleteObjects, getObjectStream, listObjects } from './s3-client.js';
import type { S3Location } from './s3-client.js';
import { putObject } from './s3-multipart.js';
import { PART_SIZE, publishVerified } from './s3-publish.js';

const MARKER = 'session';

interface Chunk {
  key: string;
  offset: number;
  size: number;
}

interface Session {
  chunks: Chunk[];
  size: number;
  /** Every key of the session, the marker last. */
  keys: string[];
}

/**
 * Upload sessions as S3 objects: a marker `<prefix>uploads/<id>/session` made by create, and one
 * object per stored chunk named by its zero-padded offset. The size is the sum of the chunk
 * objects (ListObjectsV2), so any replica can continue a session.
 */
export class S3UploadStore implements UploadStore {
  constructor(private readonly at: S3Location) {}

  private sessionPrefix(id: string): string {
    return `${this.at.prefix}uploads/${id}/`;
  }

  private async session(id: string): Promise<Session> {
    if (!isUploadId(id)) throw new NotFoundError(`upload ${String(id).slice(0, 200)}`);
    const prefix = this.sessionPrefix(id);
    const objects = await listObjects(this.at, prefix);
    let marker: string | undefined;
    const chunks: Chunk[] = [];
    for (const object of objects) {
      const name = object.key.slice(prefix.length);
      if (name === MARKER) marker = object.key;
      const offset = parseChunkName(name);
      if (offset !== undefined) chunks.push({ key: object.key, offset, size: object.size });
    }
    if (marker === undefined) throw new NotFoundError(`upload ${id}`);
    chunks.sort((a, b) => a.offset - b.offset);
    const size = chunks.reduce((total, chunk) => total + chunk.size, 0);
    return { chunks, size, keys: [...chunks.map((chunk) => chunk.key), marker] };
  }

  async create(id: string): Promise<void> {
    assertUploadId(id);
    // A reused id starts empty, as on the filesystem.
    const leftovers = await listObjects(this.at, this.sessionPrefix(id));
    await deleteObjects(this.at, leftovers.map((object) => object.key));
    await putObject(this.at, this.sessionPrefix(id) + MARKER, Buffer.alloc(0));
  }

  async size(id: string): Promise<number> {
    return (await this.session(id)).size;
  }

  async append(id: string, offset: number, source: Readable): Promise<number> {
    await this.cutTo(id, await this.session(id), offset);
    // Large chunks are stored as several objects of at most one part each, so memory stays bounded.
    const written: string[] = [];
    let position = offset;
    try {
      for await (const { bytes } of readPieces(source, PART_SIZE)) {
        if (bytes.length === 0) continue;
        const key = this.sessionPrefix(id) + chunkName(position);
        await putObject(this.at, key, bytes);
        written.push(key);
        position += bytes.length;
      }
      return position;
    } catch (error) {
      // All or nothing: drop the pieces of this chunk that were stored.
      await deleteObjects(this.at, written).catch(() => undefined);
      throw error;
    }
  }

  /** The bytes are copied to the blob's key anyway, so they are hashed again on the way (`hashed` is not needed). */
  async commit(id: string, expected: DigestString, size: number): Promise<BlobInfo> {
    const parsed = parseDigest(expected);
    const session = await this.session(id);
    const chunks = await this.cutTo(id, session, size);
    const at = this.at;
    async function* sessionBytes(): AsyncGenerator<unknown, void, undefined> {
      for (const chunk of chunks) yield* await getObjectStream(at, chunk.key);
    }
    const info = await publishVerified(this.at, sessionBytes(), parsed);
    // The marker goes last: until then a retried commit still finds the session.
    await deleteObjects(this.at, session.keys);
    return info;
  }

  /**
   * The chunks holding the session's first `offset` bytes, after deleting those from `offset` on
   * (stored by a chunk a crash interrupted). UploadOffsetError when they hold fewer bytes.
   */
  private async cutTo(id: string, session: Session, offset: number): Promise<Chunk[]> {
    const kept = session.chunks.filter((chunk) => chunk.offset < offset);
    const extra = session.chunks.filter((chunk) => chunk.offset >= offset);
    assertContiguous(id, kept);
    const size = kept.reduce((total, chunk) => total + chunk.size, 0);
    if (size < offset) throw new UploadOffsetError(id, offset, size);
    if (size > offset) throw new Error(`upload ${id}: damaged session, a chunk runs past the recorded ${offset} bytes`);
    await deleteObjects(this.at, extra.map((chunk) => chunk.key));
    return kept;
  }

  async abort(id: string): Promise<void> {
    if (!isUploadId(id)) return;
    const objects = await listObjects(this.at, this.sessionPrefix(id));
    const marker = this.sessionPrefix(id) + MARKER;
    const keys = objects.map((object) => object.key).filter((key) => key !== marker);
    await deleteObjects(this.at, [...keys, ...(objects.some((object) => object.key === marker) ? [marker] : [])]);
  }
}

/** Chunks must tile the session from 0 without gaps or overlaps; anything else is a damaged session. */
function assertContiguous(id: string, chunks: readonly Chunk[]): void {
  let expected = 0;
  for (const chunk of chunks) {
    if (chunk.offset !== expected) throw new Error(`upload ${id}: damaged session, chunk at offset ${chunk.offset} where ${expected} was expected`);
    expected += chunk.size;
  }
}
