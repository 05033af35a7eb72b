import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseDigest } from '@berth/oci';
import { NotFoundError, UploadOffsetError } from './blob-store.js';
import type { BlobInfo, DigestString, UploadStore } from './blob-store.js';
import { fsyncPath, hasErrorCode, publishFile } from './fs-files.js';
import type { FsSpace } from './fs-space.js';
import { assertExpectedDigest, hashStream } from './hashing.js';
import { assertUploadId, isUploadId } from './layout.js';

export interface FsUploadStoreOptions {
  /** Directory holding one file per session, named by the session id. */
  uploadsDir: string;
  /** Final path of a blob, where commit renames a verified session file. */
  blobPath(digest: DigestString): string;
  /** Turns (and remembers) writes that failed for lack of space into StorageFullError. */
  space?: FsSpace;
}

/**
 * Upload sessions as files (`uploads/<id>`) on the same filesystem as the blobs, so commit is a
 * hash pass plus one rename (only the rename when the caller hashed the bytes as they came).
 */
export class FsUploadStore implements UploadStore {
  constructor(private readonly options: FsUploadStoreOptions) {}

  private sessionPath(id: string): string {
    if (!isUploadId(id)) throw new NotFoundError(`upload ${String(id).slice(0, 200)}`);
    return join(this.options.uploadsDir, id);
  }

  async create(id: string): Promise<void> {
    assertUploadId(id);
    try {
      await mkdir(this.options.uploadsDir, { recursive: true });
      await writeFile(this.sessionPath(id), new Uint8Array(0));
    } catch (error) {
      throw this.noSpace(error);
    }
  }

  async size(id: string): Promise<number> {
    try {
      return (await stat(this.sessionPath(id))).size;
    } catch (error) {
      throw notFoundFor(id, error);
    }
  }

  async append(id: string, offset: number, source: Readable): Promise<number> {
    const path = this.sessionPath(id);
    await this.cutTo(id, offset);
    try {
      await pipeline(source, createWriteStream(path, { flags: 'r+', start: offset }));
      await fsyncPath(path);
      return (await stat(path)).size;
    } catch (error) {
      // All or nothing: cut off whatever part of the chunk reached the file.
      await truncate(path, offset).catch(() => undefined);
      throw this.noSpace(notFoundFor(id, error));
    }
  }

  async commit(id: string, expected: DigestString, size: number, hashed?: BlobInfo): Promise<BlobInfo> {
    const path = this.sessionPath(id);
    const { algorithm } = parseDigest(expected);
    await this.cutTo(id, size);
    let info: BlobInfo;
    try {
      // Hashed while appended: the rename publishes exactly those bytes, no second pass needed.
      const known = hashed !== undefined && hashed.size === size && parseDigest(hashed.digest).algorithm === algorithm;
      info = known ? hashed : await hashStream(createReadStream(path, { highWaterMark: 1024 * 1024 }), algorithm);
    } catch (error) {
      throw notFoundFor(id, error);
    }
    assertExpectedDigest(expected, info.digest);
    // Appends were fsynced, so the renamed file is complete on disk; the rename also ends the session.
    await publishFile(path, this.options.blobPath(info.digest));
    return info;
  }

  /** Make the session file `offset` bytes long, dropping what a crash left past it. */
  private async cutTo(id: string, offset: number): Promise<void> {
    const size = await this.size(id);
    if (size < offset) throw new UploadOffsetError(id, offset, size);
    if (size > offset) {
      await truncate(this.sessionPath(id), offset);
      await fsyncPath(this.sessionPath(id));
    }
  }

  private noSpace(error: unknown): unknown {
    return this.options.space?.translate(error, this.options.uploadsDir) ?? error;
  }

  async abort(id: string): Promise<void> {
    if (!isUploadId(id)) return;
    await rm(this.sessionPath(id), { force: true });
  }
}

/** ENOENT on a session file means the session does not exist; other errors pass through. */
function notFoundFor(id: string, error: unknown): unknown {
  return hasErrorCode(error, 'ENOENT') ? new NotFoundError(`upload ${id}`) : error;
}
