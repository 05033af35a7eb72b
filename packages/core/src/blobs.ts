import type { Readable } from 'node:stream';
import { OciError, parseDigest } from '@berth/oci';
import type { MetadataStore } from '@berth/db';
import type { BlobStore, ByteRange } from '@berth/storage';
import type { RepositoryResolver } from './repositories.js';
import { mapStorageError } from './storage-errors.js';

export interface BlobHandle {
  digest: string;
  size: number;
}

/** Blob reads and deletes for a repository: a blob is visible in a repository only when linked to it. */
export class BlobService {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: BlobStore,
    private readonly repositories: RepositoryResolver,
  ) {}

  /** The blob's size when it is linked to the repository; BLOB_UNKNOWN otherwise. */
  async stat(name: string, digest: string): Promise<BlobHandle> {
    parseDigest(digest);
    const repository = await this.repositories.find(name);
    const blob = repository === null ? null : await this.metadata.getLinkedBlob(repository.id, digest);
    if (blob === null) throw blobUnknown(digest);
    return blob;
  }

  async open(digest: string, range?: ByteRange): Promise<Readable> {
    try {
      return await this.store.read(digest, range);
    } catch (error) {
      mapStorageError(error, { digest });
    }
  }

  /** A presigned URL for a direct download, when the store supports it. */
  async redirectUrl(digest: string, expiresInSeconds: number): Promise<string | undefined> {
    return this.store.presignedUrl?.(digest, expiresInSeconds);
  }

  /** Unlink the blob from the repository; its bytes stay until garbage collection. */
  async delete(name: string, digest: string): Promise<void> {
    parseDigest(digest);
    const repository = await this.repositories.forRead(name);
    if (!(await this.metadata.unlinkBlob(repository.id, digest))) throw blobUnknown(digest);
  }
}

export function blobUnknown(digest: string): OciError {
  return new OciError('BLOB_UNKNOWN', `blob ${digest} is not in this repository`, { detail: { digest } });
}
