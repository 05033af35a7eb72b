import { join } from 'node:path';
import * as z from 'zod';
import { authSchema, serviceFor } from './auth-schema.js';
import { httpUrl, nonEmpty, proxyAddress, publicUrl, secret, whenObject } from './primitives.js';
import { projectsSchema } from './projects-schema.js';
import { isRecord } from './records.js';
import { LOG_LEVELS } from './types.js';
import type { BerthConfig, StorageConfig } from './types.js';

const MIB = 1024 * 1024;
/** SigV4 presigned URLs live at most 7 days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60;

const BUCKET_REQUIRED = 'required when storage.driver is "s3"';

const serverSchema = z.strictObject({
  // All interfaces: authentication (on by default) protects the registry.
  host: nonEmpty.default('0.0.0.0'),
  port: z.int().min(0).max(65535).default(5000),
  publicUrl: publicUrl.optional(),
  trustProxy: z.boolean().default(false),
  // Peers whose X-Forwarded-* headers are believed (client address for login throttling, protocol, host).
  trustedProxies: z.array(proxyAddress).default([]),
  shutdownGraceSeconds: z.number().min(0).default(25),
  shutdownDelaySeconds: z.number().min(0).max(300).default(0),
  // Stored blobs go from the page cache into the connection with sendfile(2) where the addon is built.
  sendfile: z.boolean().default(true),
});

const databaseSchema = z.strictObject({
  url: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  dataDir: nonEmpty.optional(),
  poolSize: z.int().min(1).default(10),
});

const s3Schema = z
  .strictObject({
    endpoint: httpUrl.optional(),
    region: nonEmpty.default('us-east-1'),
    bucket: nonEmpty.optional(),
    prefix: z.string().default(''),
    forcePathStyle: z.boolean().default(false),
    accessKeyId: nonEmpty.optional(),
    secretAccessKey: secret.min(1).optional(),
    redirect: z.boolean().default(false),
    presignExpirySeconds: z.int().min(1).max(MAX_PRESIGN_SECONDS).default(900),
  })
  .superRefine((s3, ctx) => {
    const hasKey = s3.accessKeyId !== undefined;
    if (hasKey !== (s3.secretAccessKey !== undefined)) {
      const [missing, present] = hasKey ? ['secretAccessKey', 'accessKeyId'] : ['accessKeyId', 'secretAccessKey'];
      ctx.addIssue({ code: 'custom', path: [missing], message: `required when storage.s3.${present} is set` });
    }
  }, whenObject);

const storageSchema = z
  .strictObject({
    driver: z.enum(['fs', 's3']).default('fs'),
    fs: z.strictObject({ root: nonEmpty.optional() }).prefault({}),
    s3: s3Schema.prefault({}),
  })
  .superRefine((storage, ctx) => {
    // An s3 value that is not a mapping is reported on its own; a missing bucket only matters in a mapping.
    if (storage.driver === 's3' && isRecord(storage.s3) && storage.s3.bucket === undefined) {
      ctx.addIssue({ code: 'custom', path: ['s3', 'bucket'], message: BUCKET_REQUIRED });
    }
  }, whenObject);

/** Shared state across replicas (today: the blob-fill lock). Absent url: single-process mode, no Redis. */
const redisSchema = z.strictObject({
  url: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  keyPrefix: z.string().default('berth:'),
  fillLockTtlSeconds: z.int().min(3).max(600).default(30),
});

const limitsSchema = z.strictObject({
  maxManifestBytes: z.int().min(1).default(4 * MIB),
  uploadSessionTtlMinutes: z.int().min(1).default(1440),
  referrersPageMaxDescriptors: z.int().min(1).default(1000),
  referrersPageMaxBytes: z.int().min(1024).default(4 * MIB),
});

/** The cache of upstream referrers lists (proxy projects with referrersProxy on). */
const referrersCacheSchema = z
  .strictObject({
    freshTtlSeconds: z.int().min(0).default(300),
    staleTtlSeconds: z.int().min(1).default(7 * 24 * 3600),
    maxListBytes: z.int().min(1024).default(MIB),
    maxTotalBytes: z.int().min(1024).default(64 * MIB),
  })
  .superRefine((value, ctx) => {
    if (value.staleTtlSeconds < value.freshTtlSeconds) ctx.addIssue({ code: 'custom', path: ['staleTtlSeconds'], message: 'must be at least freshTtlSeconds' });
    if (value.maxTotalBytes < value.maxListBytes) ctx.addIssue({ code: 'custom', path: ['maxTotalBytes'], message: 'must be at least maxListBytes' });
  });

const jobsSchema = z.strictObject({
  worker: z.enum(['auto', 'on', 'off']).default('auto'),
  concurrency: z.int().min(1).max(64).default(4),
  evictionIntervalSeconds: z.int().min(1).default(300),
  gcIntervalSeconds: z.int().min(1).default(3600),
  gcGraceSeconds: z.int().min(1).default(3600),
  uploadCleanupIntervalSeconds: z.int().min(1).default(3600),
  workerPort: z.int().min(0).max(65535).default(5001),
});

/** 32 random bytes, base64: the AES-256-GCM key sealing upstream credentials in the database. */
const secretsSchema = z.strictObject({
  key: secret
    .refine((value) => Buffer.from(value, 'base64').length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(value), 'must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)')
    .optional(),
});

const logSchema = z.strictObject({
  level: z.enum(LOG_LEVELS).default('info'),
  pretty: z.boolean().default(false),
});

/** The configuration as written (file and environment), with per-field defaults. */
const berthConfigInputSchema = z.strictObject({
  server: serverSchema.prefault({}),
  dataDir: nonEmpty.default('./data'),
  database: databaseSchema.prefault({}),
  storage: storageSchema.prefault({}),
  redis: redisSchema.prefault({}),
  autoCreateProjects: z.boolean().optional(),
  projects: projectsSchema,
  limits: limitsSchema.prefault({}),
  referrersCache: referrersCacheSchema.prefault({}),
  jobs: jobsSchema.prefault({}),
  secrets: secretsSchema.prefault({}),
  auth: authSchema.prefault({}),
  log: logSchema.prefault({}),
});

/**
 * Berth's configuration schema: validates, applies defaults, then the defaults that depend on other
 * settings (paths under `dataDir`, `autoCreateProjects` from the database mode, `auth.service` from
 * `server.publicUrl`). Relative paths are left relative; `loadConfig` resolves them.
 */
export const berthConfigSchema = berthConfigInputSchema.transform((input, ctx): BerthConfig => {
  const { storage, database, auth } = input;
  let storageConfig: StorageConfig;
  if (storage.driver === 's3') {
    const { bucket, ...s3 } = storage.s3;
    if (bucket === undefined) {
      // Already reported by storageSchema's refinement (transforms only run on valid input); narrows the type.
      ctx.addIssue({ code: 'custom', path: ['storage', 's3', 'bucket'], message: BUCKET_REQUIRED });
      return z.NEVER;
    }
    storageConfig = { driver: 's3', s3: { ...s3, bucket } };
  } else {
    storageConfig = { driver: 'fs', fs: { root: storage.fs.root ?? join(input.dataDir, 'blobs') } };
  }
  return {
    ...input,
    database: { ...database, dataDir: database.dataDir ?? join(input.dataDir, 'db') },
    storage: storageConfig,
    autoCreateProjects: input.autoCreateProjects ?? database.url === undefined,
    auth: { ...auth, service: auth.service ?? serviceFor(input.server.publicUrl) },
  };
});

/** What a configuration file (or object) may contain: every field optional except where noted. */
export type BerthConfigInput = z.input<typeof berthConfigSchema>;
