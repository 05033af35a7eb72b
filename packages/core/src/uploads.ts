import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { OciError, parseDigest } from '@berth/oci';
import type { MetadataStore, UploadRow } from '@berth/db';
import { UploadOffsetError, type BlobStore } from '@berth/storage';
import { claimBlobOrWait } from './lifecycle/blob-claims.js';
import type { Actor } from './audit/registry-audit.js';
import type { RepositoryResolver } from './repositories.js';
import type { CoreSettings } from './settings.js';
import { DEFAULT_UPLOAD_CLAIM_TIMING, claimUploadSession, type HeldUploadClaim, type UploadClaimTiming } from './upload-claims.js';
import { mapStorageError } from './storage-errors.js';
import { UploadHash, UploadHashes } from './upload-hashes.js';

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface UploadState {
  id: string;
  /** Bytes received so far. */
  offset: number;
}

export type StartUploadResult =
  | { kind: 'created'; digest: string; size: number }
  | { kind: 'session'; upload: UploadState };

/** Blob upload sessions: monolithic, chunked, mounted from another repository. */
export class UploadService {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: BlobStore,
    private readonly repositories: RepositoryResolver,
    private readonly settings: Pick<CoreSettings, 'uploadSessionTtlMs'>,
    private readonly claimTiming: UploadClaimTiming = DEFAULT_UPLOAD_CLAIM_TIMING,
    /** Running sha256 per session, so a commit need not read the bytes back (see finish). */
    private readonly hashes: UploadHashes = new UploadHashes(),
  ) {}

  /** POST /blobs/uploads/: a mount, a monolithic upload (digest + body), or a new session. */
  async start(
    name: string,
    options: { digest?: string; mount?: string; from?: string; algorithm?: string; body?: Readable; actor: Actor },
  ): Promise<StartUploadResult> {
    if (options.algorithm !== undefined && options.algorithm !== 'sha256' && options.algorithm !== 'sha512') {
      throw new OciError('DIGEST_INVALID', `unsupported digest algorithm ${options.algorithm}`, { detail: { algorithm: options.algorithm } });
    }
    const { repository } = await this.repositories.forWrite(name, options.actor);
    if (options.mount !== undefined) {
      parseDigest(options.mount);
      const mounted = await this.mount(repository.id, options.mount, options.from);
      if (mounted !== null) return { kind: 'created', digest: options.mount, size: mounted };
    }
    if (options.digest !== undefined && options.body !== undefined) {
      parseDigest(options.digest);
      // The size is not known before the body is read; linkBlob records the real one.
      await claimBlobOrWait(this.metadata, { digest: options.digest, size: 0 });
      const info = await this.store.write(options.body, { expected: options.digest }).catch((e: unknown) => mapStorageError(e));
      await this.metadata.linkBlob(repository.id, info);
      return { kind: 'created', digest: info.digest, size: info.size };
    }
    const id = randomUUID();
    await this.store.uploads.create(id);
    const row = await this.metadata.createUpload(id, repository.id);
    // sha256 is the digest nearly every client commits with; a session announced as sha512 is read back.
    if (options.algorithm !== 'sha512') this.hashes.put(id, new UploadHash(0, row.updatedAt));
    return { kind: 'session', upload: { id, offset: 0 } };
  }

  async status(name: string, id: string): Promise<UploadState> {
    const row = await this.session(name, id);
    return { id, offset: row.offset };
  }

  /**
   * PATCH: append a chunk. `range` is the client's Content-Range, when sent. One writer at a time:
   * a chunk claims the session at its offset (waiting while another chunk or commit holds it), so
   * a second chunk at the same offset is refused with 416 once the first was recorded.
   */
  async append(name: string, id: string, body: Readable, range?: { start: number; end: number }): Promise<UploadState> {
    const row = await this.session(name, id);
    if (range !== undefined && range.start !== row.offset) {
      throw outOfOrder(id, row.offset, `chunk starts at ${range.start} but ${row.offset} bytes were received`);
    }
    // This process's hash of the session goes on only if nobody else wrote to it since (the mark).
    const held = this.hashes.take(id);
    const { claim, unchanged } = await this.claim(id, row.offset, held?.offset === row.offset ? held.mark : undefined);
    const hash = unchanged ? held : undefined;
    let size: number;
    try {
      size = await this.store.uploads.append(id, claim.offset, hash === undefined ? body : hash.feed(body));
    } catch (error) {
      // The store cut off whatever part of the chunk it had written; the offset stays.
      await claim.release(claim.offset).catch(() => null);
      return mapSessionError(error, { upload: id });
    }
    const mark = await claim.release(size);
    if (mark !== null && hash?.advance(size, mark) === true) this.hashes.put(id, hash);
    if (mark === null) {
      // Held so long without renewal that another writer took the session: this chunk is not recorded.
      const now = await this.metadata.getUpload(id);
      throw outOfOrder(id, now?.offset ?? claim.offset, 'the chunk was not recorded: this upload was taken over by another writer meanwhile');
    }
    if (range !== undefined && size !== range.end + 1) {
      // The bytes are in the session already; the client must resume from what was received.
      throw outOfOrder(id, size, `Content-Range ends at ${range.end} but the chunk ended at ${size - 1}`);
    }
    return { id, offset: size };
  }

  /**
   * PUT: optional last chunk (with the client's Content-Range, when sent: one out of order is refused
   * like a PATCH and the session stays), then verify the digest and publish the blob.
   */
  async finish(
    name: string,
    id: string,
    digest: string | undefined,
    body?: Readable,
    range?: { start: number; end: number },
  ): Promise<{ digest: string; size: number }> {
    if (digest === undefined) throw new OciError('DIGEST_INVALID', 'the digest query parameter is required to finish an upload');
    const { algorithm } = parseDigest(digest);
    const row = await this.session(name, id);
    const offset = body === undefined ? row.offset : (await this.append(name, id, body, range)).offset;
    // The commit holds the session too: no chunk may land while its bytes are hashed and published.
    const held = this.hashes.take(id);
    const { claim, unchanged } = await this.claim(id, offset, held?.offset === offset ? held.mark : undefined);
    try {
      // This process hashed every byte of the session as it was written, and nobody else wrote since.
      const hashed = unchanged && held !== undefined && algorithm === 'sha256' ? await sessionDigest(held) : undefined;
      await claimBlobOrWait(this.metadata, { digest, size: offset });
      let info;
      try {
        info = await this.store.uploads.commit(id, digest, offset, hashed);
      } catch (error) {
        await this.discard(id);
        mapSessionError(error, { upload: id, digest });
      }
      await this.metadata.linkBlob(row.repositoryId, info);
      await this.metadata.deleteUpload(id);
      return info;
    } finally {
      // Ends the renewals; the row is gone after a commit, so this records nothing then.
      await claim.release(offset).catch(() => null);
    }
  }

  /**
   * The session's claim at `offset`, waited for; 416 when another writer moved it or keeps it.
   * `unchanged` when it was taken at `mark` (nobody else claimed the session since).
   */
  private async claim(id: string, offset: number, mark?: Date): Promise<{ claim: HeldUploadClaim; unchanged: boolean }> {
    const outcome = await claimUploadSession(this.metadata, id, offset, this.claimTiming, mark);
    switch (outcome.kind) {
      case 'claimed':
        return outcome;
      case 'moved':
        throw outOfOrder(id, outcome.offset, `another chunk was written to this upload meanwhile: ${outcome.offset} bytes were received`);
      case 'busy':
        throw outOfOrder(id, offset, 'another chunk is being written to this upload');
      case 'gone':
        throw new OciError('BLOB_UPLOAD_UNKNOWN', `upload ${id} is not in progress`, { detail: { uuid: id } });
    }
  }

  async cancel(name: string, id: string): Promise<void> {
    await this.session(name, id);
    await this.discard(id);
  }

  private async discard(id: string): Promise<void> {
    this.hashes.drop(id);
    await this.store.uploads.abort(id);
    await this.metadata.deleteUpload(id);
  }

  /** The session row, when it exists and belongs to this repository. */
  private async session(name: string, id: string): Promise<UploadRow> {
    const repository = UPLOAD_ID.test(id) ? await this.repositories.find(name) : null;
    const row = repository === null ? null : await this.metadata.getUpload(id);
    if (row === null || repository === null || row.repositoryId !== repository.id) {
      throw new OciError('BLOB_UPLOAD_UNKNOWN', `upload ${id} is not in progress for ${name}`, { detail: { uuid: id } });
    }
    if (Date.now() - row.updatedAt.getTime() > this.settings.uploadSessionTtlMs) {
      await this.discard(id);
      throw new OciError('BLOB_UPLOAD_UNKNOWN', `upload ${id} expired after ${this.settings.uploadSessionTtlMs / 60000} idle minutes`, { detail: { uuid: id } });
    }
    return row;
  }

  /** Link a blob already in `from` into the target repository; its size, or null when not mountable. */
  private async mount(repositoryId: number, digest: string, from: string | undefined): Promise<number | null> {
    if (from === undefined) return null;
    const source = await this.repositories.find(from).catch(() => null);
    const blob = source === null ? null : await this.metadata.getLinkedBlob(source.id, digest);
    // A blob a collector is deleting right now is not mountable: the client uploads it instead.
    if (blob === null || !(await this.metadata.claimBlob(blob))) return null;
    await this.metadata.linkBlob(repositoryId, blob);
    return blob.size;
  }
}

/** The digest a session's running hash gives (`{digest, size}`), or undefined when hashing failed (the store reads the bytes back then). */
async function sessionDigest(hash: UploadHash): Promise<{ digest: string; size: number } | undefined> {
  return hash
    .digest()
    .then((digest) => ({ digest, size: hash.offset }))
    .catch(() => undefined);
}

/** Headers every upload-progress answer carries. */
export function rangeHeaders(id: string, offset: number): Record<string, string> {
  return { Range: `0-${Math.max(offset - 1, 0)}`, 'Docker-Upload-UUID': id };
}

function outOfOrder(id: string, offset: number, message: string): OciError {
  return new OciError('RANGE_INVALID', message, { headers: rangeHeaders(id, offset), detail: { uuid: id, offset } });
}

/** Storage errors of a session's write or commit as the OCI errors a client sees. */
function mapSessionError(error: unknown, context: { upload: string; digest?: string }): never {
  if (error instanceof UploadOffsetError) {
    // The session lost bytes it had recorded: it cannot be continued, only started again.
    throw new OciError('BLOB_UPLOAD_INVALID', `${error.message}; start a new upload`, { detail: { uuid: context.upload }, cause: error });
  }
  return mapStorageError(error, context);
}
