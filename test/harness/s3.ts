import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** A running s3rver with one fresh bucket; stop() closes it and deletes its files. */
export interface TestS3 {
  /** http://127.0.0.1:<port>; use path-style addressing (forcePathStyle: true). */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Where s3rver keeps the bucket's files (for tests that look behind the API). */
  directory: string;
  stop(): Promise<void>;
}

/** The slice of s3rver's API the harness uses (the package ships no type declarations). */
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

// s3rver is CommonJS without types; load it through require so the import stays typed.
const require = createRequire(import.meta.url);

/**
 * Start s3rver in this process on a free loopback port, with its own temp directory and a fresh
 * bucket. Its credentials are fixed by s3rver: S3RVER / S3RVER. Known s3rver limits: no
 * AbortMultipartUpload, no multipart listing, suffix ranges (`bytes=-N`) misread, object writes
 * not atomic, SigV4 signatures not verified.
 */
export async function startS3(): Promise<TestS3> {
  const S3rver = require('s3rver') as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), 'berth-s3rver-'));
  const bucket = `berth-test-${randomBytes(6).toString('hex')}`;
  const port = await freePort();
  const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: [{ name: bucket }] });
  try {
    await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    region: 'us-east-1',
    directory,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
