import { randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { access, mkdir, open, rm, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseDigest } from '@berth/oci';
import type { BlobInfo, BlobStore, ByteRange, DigestString, UploadStore } from './blob-store.js';
import { NotFoundError } from './blob-store.js';
import { fsyncPath, hasErrorCode, publishFile, sweepOldFiles } from './fs-files.js';
import { FileBody } from './file-body.js';
import { FsSpace } from './fs-space.js';
import { FsUploadStore } from './fs-upload-store.js';
import { assertExpectedDigest, HashingTransform } from './hashing.js';
import { blobKey, writeAlgorithm } from './layout.js';
import { resolveRange } from './read-range.js';

export interface FsBlobStoreOptions {
  /** Directory holding `blobs/`, `tmp/` and `uploads/`; created on demand. */
  root: string;
}

export interface FsBlobStore extends BlobStore {
  /** Remove temp files left behind by writes a crash interrupted (default: older than a day). Returns how many. */
  sweepTempFiles(maxAgeMs?: number): Promise<number>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Blobs as files: `root/blobs/<alg>/<xx>/<hex>`. Writes go to `root/tmp/` while being hashed and are
 * renamed into place only when the digest matched, so a crash leaves nothing but temp files.
 */
class FilesystemBlobStore implements FsBlobStore {
  readonly uploads: UploadStore;
  private readonly tmpDir: string;
  private readonly space: FsSpace;

  constructor(private readonly root: string) {
    this.tmpDir = join(root, 'tmp');
    this.space = new FsSpace(root);
    this.uploads = new FsUploadStore({ uploadsDir: join(root, 'uploads'), blobPath: (digest) => this.blobPath(digest), space: this.space });
  }

  private blobPath(digest: DigestString): string {
    return join(this.root, ...blobKey(digest).split('/'));
  }

  async stat(digest: DigestString): Promise<BlobInfo | null> {
    try {
      const info = await stat(this.blobPath(digest));
      return info.isFile() ? { digest, size: info.size } : null;
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT')) return null;
      throw error;
    }
  }

  async read(digest: DigestString, range?: ByteRange): Promise<Readable> {
    let handle: FileHandle;
    try {
      handle = await open(this.blobPath(digest), 'r');
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT')) throw new NotFoundError(`blob ${digest}`);
      throw error;
    }
    // Reading through the open handle keeps serving the bytes even if the blob is deleted meanwhile.
    try {
      const size = (await handle.stat()).size;
      const { start, end } = range === undefined ? { start: 0, end: size - 1 } : resolveRange(range, size);
      return new FileBody(handle, start, end);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async write(source: Readable, options: { expected?: DigestString; algorithm?: 'sha256' | 'sha512' } = {}): Promise<BlobInfo> {
    const hashing = new HashingTransform(writeAlgorithm(options));
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, `${randomUUID()}.blob`);
    const sink = createWriteStream(tmp, { flags: 'wx' });
    try {
      await pipeline(source, hashing, sink);
      const info = hashing.result();
      assertExpectedDigest(options.expected, info.digest);
      await fsyncPath(tmp);
      await publishFile(tmp, this.blobPath(info.digest));
      return info;
    } catch (error) {
      throw this.space.translate(error, this.root);
    } finally {
      // A source failing early destroys the sink while it may still be opening (creating) the file:
      // wait until it closed, or the file would appear after the rm below.
      if (!sink.closed) await new Promise<void>((resolve) => sink.once('close', () => resolve()));
      // After a successful publish the temp file is gone already; otherwise drop what was written.
      await rm(tmp, { force: true });
    }
  }

  async adoptVerifiedFile(path: string, info: BlobInfo): Promise<boolean> {
    parseDigest(info.digest);
    await fsyncPath(path);
    try {
      await publishFile(path, this.blobPath(info.digest));
      return true;
    } catch (error) {
      if (hasErrorCode(error, 'EXDEV')) return false;
      throw this.space.translate(error, this.root);
    }
  }

  async delete(digest: DigestString): Promise<boolean> {
    try {
      await unlink(this.blobPath(digest));
      return true;
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT')) return false;
      throw error;
    }
  }

  async ping(): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    await access(this.root, constants.R_OK | constants.W_OK);
    await access(this.tmpDir, constants.R_OK | constants.W_OK);
    await this.space.assertSpace();
  }

  async sweepTempFiles(maxAgeMs = DAY_MS): Promise<number> {
    return sweepOldFiles(this.tmpDir, maxAgeMs);
  }
}

export function createFsBlobStore(options: FsBlobStoreOptions): FsBlobStore {
  if (typeof options.root !== 'string' || options.root === '') throw new Error('fs blob store: root must be a directory path');
  return new FilesystemBlobStore(options.root);
}
