import * as z from 'zod';
import { robotAccountName } from '@berth/auth';
import type { AuditEventRow, MembershipRow, ProjectRow, ProjectStats, RobotRow, UserRow } from '@berth/db';
import { upstreamNameOf } from '@berth/config';
import { proxySettingsOf, type ProxyUpstreamSettings } from '../proxy/proxy-settings.js';
import type { SecretSealer } from '../proxy/sealed-secrets.js';
import { signaturePolicyOf } from '../signatures/signature-policy.js';
import { credentialsKind } from './project-settings.js';

/**
 * What the admin API answers, as zod schemas (the OpenAPI document is built from them) and the
 * functions that build each answer from stored rows. Nothing here carries a secret: credentials
 * appear as their kind, passwords and robot secrets not at all.
 */

const timestamp = z.iso.datetime({ offset: true });
const role = z.enum(['guest', 'developer', 'maintainer', 'admin']);
const permission = z.enum(['pull', 'push', 'delete']);

const projectBase = {
  name: z.string(),
  public: z.boolean(),
  /**
   * Who owns the settings. `configuration`: declared in the configuration (applied at every start);
   * the admin API refuses to change or delete it (409), members and robots stay with the API.
   */
  managedBy: z.enum(['api', 'configuration']),
  /** For `configuration`: the file (or environment variable) that declares the project. */
  declaredIn: z.string().optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
  /** Which signatures the project trusts (public keys and certificates, not secrets); absent: not checked. */
  signaturePolicy: z
    .object({
      mode: z.enum(['off', 'audit', 'enforce']),
      cosign: z.object({ keys: z.array(z.object({ name: z.string(), publicKey: z.string() })) }),
      notation: z.object({ trustStore: z.array(z.string()), trustedIdentities: z.array(z.string()) }),
    })
    .optional(),
};

const nameMappingView = z.object({ prefix: z.string(), separator: z.string(), dockerHubLibrary: z.enum(['auto', 'on', 'off']) });

export const upstreamViewSchema = z.object({
  url: z.string(),
  /** The upstream's label in metrics and Cache-Status: as configured, else the URL's host. */
  name: z.string(),
  /** The upstream's own name mapping, when it has one (else the project's applies). */
  nameMapping: nameMappingView.optional(),
  /** Write-only: only whether there are credentials, and which kind. */
  credentials: z.enum(['none', 'basic', 'token', 'unreadable']),
  insecureSkipVerify: z.boolean(),
  /** A CA certificate file was given (its PEM is stored, not shown). */
  customCa: z.boolean(),
  tokenRealmHosts: z.array(z.string()),
  /** Only the timeouts configured; the others are the defaults (5, 30, 30 s). */
  timeouts: z.object({ connectSeconds: z.number().optional(), headersSeconds: z.number().optional(), bodyIdleSeconds: z.number().optional() }).optional(),
  /** The project's own forward proxy and NO_PROXY list, when it has them (else the process's apply). */
  proxy: z.string().optional(),
  noProxy: z.string().optional(),
});

export const projectViewSchema = z.discriminatedUnion('kind', [
  z.object({ ...projectBase, kind: z.literal('hosted') }),
  z.object({
    ...projectBase,
    kind: z.literal('proxy'),
    /** The first upstream (a project with one upstream has only this one). */
    upstream: upstreamViewSchema,
    /** Every upstream, in the order tags are resolved (the first is `upstream`). */
    upstreams: z.array(upstreamViewSchema),
    tagTtlSeconds: z.int(),
    maxStaleSeconds: z.int(),
    negativeTtlSeconds: z.int(),
    serveStaleOnNotFound: z.boolean(),
    pushPolicy: z.enum(['referrers', 'none', 'all']),
    ns: z.array(z.string()),
    referrersProxy: z.boolean(),
    nameMapping: nameMappingView,
    prefetch: z.object({ enabled: z.boolean(), platforms: z.array(z.string()), referrers: z.boolean() }),
    quota: z.object({ maxBytes: z.int(), lowWaterPercent: z.int() }).optional(),
    retentionDays: z.int().optional(),
  }),
]);
export type ProjectView = z.infer<typeof projectViewSchema>;

/** One image a project's signature policy did not pass, as GET /projects/{project}/signature-verdicts lists it. */
export const signatureFailureViewSchema = z.object({
  repository: z.string(),
  digest: z.string(),
  /** audit: served anyway; enforce: refused with 403 DENIED. */
  mode: z.enum(['audit', 'enforce']),
  /** Each signature found and why it failed (`<digest> (<source>, <kind>): <reason>`); empty when none was found. */
  reasons: z.array(z.string()),
  at: timestamp,
});
export type SignatureFailureView = z.infer<typeof signatureFailureViewSchema>;

export const memberViewSchema = z.object({ project: z.string(), user: z.string(), role });
export type MemberView = z.infer<typeof memberViewSchema>;

export const robotViewSchema = z.object({
  /** The account name robots log in with: `robot$<project>+<name>`. */
  name: z.string(),
  project: z.string(),
  description: z.string(),
  permissions: z.array(permission),
  expiresAt: timestamp.nullable(),
  disabled: z.boolean(),
  createdAt: timestamp,
});
export type RobotView = z.infer<typeof robotViewSchema>;

/** Create and regenerate: the only answers that carry the secret. */
export const robotWithSecretSchema = robotViewSchema.extend({ secret: z.string() });
export type RobotWithSecret = z.infer<typeof robotWithSecretSchema>;

export const userViewSchema = z.object({
  name: z.string(),
  admin: z.boolean(),
  disabled: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type UserView = z.infer<typeof userViewSchema>;

export const userDetailSchema = userViewSchema.extend({ memberships: z.array(z.object({ project: z.string(), role })) });
export type UserDetail = z.infer<typeof userDetailSchema>;

export const auditEventViewSchema = z.object({
  id: z.int(),
  at: timestamp,
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  /** The caller's address; null for configuration and for events recorded before it was kept. */
  clientAddress: z.string().nullable(),
  /** The project and repository the event concerns, when it concerns one. */
  project: z.string().nullable(),
  repository: z.string().nullable(),
});
export type AuditEventView = z.infer<typeof auditEventViewSchema>;

export const cacheStatsSchema = z.object({
  project: z.string(),
  repositories: z.int(),
  manifests: z.int(),
  blobs: z.int(),
  blobBytes: z.int(),
  lastPulledAt: timestamp.nullable(),
  /** Proxied requests answered from the cache / from the upstream since this process started. */
  hits: z.int(),
  misses: z.int(),
  /** The proxy project's storage quota (blobBytes is measured against maxBytes); null when none is set. */
  quota: z.object({ maxBytes: z.int(), lowWaterPercent: z.int(), usedPercent: z.number() }).nullable(),
  /** Cached images not pulled for this many days are evicted; null when no retention is set. */
  retentionDays: z.int().nullable(),
});
export type CacheStats = z.infer<typeof cacheStatsSchema>;

export const jobsViewSchema = z.object({
  /** False when this deployment runs no background jobs. */
  enabled: z.boolean(),
  counts: z.object({ waiting: z.int(), active: z.int(), delayed: z.int(), failed: z.int() }),
  recentFailures: z.array(z.object({ id: z.string(), name: z.string(), error: z.string(), attempts: z.int(), failedAt: timestamp, payload: z.unknown() })),
});
export type JobsView = z.infer<typeof jobsViewSchema>;

export const purgeResultSchema = z.object({ project: z.string(), repository: z.string().nullable(), manifests: z.int(), blobLinks: z.int() });
export type PurgeResult = z.infer<typeof purgeResultSchema>;

export const unlockResultSchema = z.object({
  account: z.string(),
  /** Client addresses the account was locked out from in the process that answered (0: none was). */
  unlockedAddresses: z.int(),
});
export type UnlockResult = z.infer<typeof unlockResultSchema>;

export const meViewSchema = z.object({
  name: z.string(),
  kind: z.enum(['user', 'robot']),
  admin: z.boolean(),
  memberships: z.array(z.object({ project: z.string(), role })),
  /** Robots only: their project and permissions. */
  project: z.string().optional(),
  permissions: z.array(permission).optional(),
});
export type MeView = z.infer<typeof meViewSchema>;

/** `declaredIn`: where the configuration's projects are declared (shown for configuration-owned ones). */
export function projectView(row: ProjectRow, sealer: SecretSealer | undefined, declaredIn?: string): ProjectView {
  const policy = signaturePolicyOf(row);
  const base = {
    name: row.name,
    public: row.public,
    managedBy: row.managedBy,
    ...(row.managedBy === 'configuration' && declaredIn !== undefined ? { declaredIn } : {}),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(policy !== undefined ? { signaturePolicy: policy } : {}),
  };
  if (row.kind === 'hosted') return { ...base, kind: 'hosted' };
  const { upstream, upstreams, ...settings } = proxySettingsOf(row);
  return {
    ...base,
    kind: 'proxy',
    upstream: upstreamView(upstream, sealer),
    upstreams: upstreams.map((each) => upstreamView(each, sealer)),
    tagTtlSeconds: settings.tagTtlSeconds,
    maxStaleSeconds: settings.maxStaleSeconds,
    negativeTtlSeconds: settings.negativeTtlSeconds,
    serveStaleOnNotFound: settings.serveStaleOnNotFound,
    pushPolicy: settings.pushPolicy,
    ns: settings.ns,
    referrersProxy: settings.referrersProxy,
    nameMapping: settings.nameMapping,
    prefetch: settings.prefetch,
    ...(settings.quota !== undefined ? { quota: settings.quota } : {}),
    ...(settings.retentionDays !== undefined ? { retentionDays: settings.retentionDays } : {}),
  };
}

/** One upstream as the API shows it: credentials as their kind only, the CA as whether there is one. */
function upstreamView(upstream: ProxyUpstreamSettings, sealer: SecretSealer | undefined): z.infer<typeof upstreamViewSchema> {
  return {
    url: upstream.url,
    name: upstreamNameOf(upstream),
    ...(upstream.nameMapping !== undefined ? { nameMapping: upstream.nameMapping } : {}),
    credentials: credentialsKind(upstream, sealer),
    insecureSkipVerify: upstream.insecureSkipVerify ?? false,
    customCa: upstream.caPem !== undefined,
    tokenRealmHosts: upstream.tokenRealmHosts ?? [],
    ...(upstream.timeouts !== undefined ? { timeouts: upstream.timeouts } : {}),
    ...(upstream.proxy !== undefined ? { proxy: upstream.proxy } : {}),
    ...(upstream.noProxy !== undefined ? { noProxy: upstream.noProxy } : {}),
  };
}

export function memberView(row: MembershipRow): MemberView {
  return { project: row.projectName, user: row.userName, role: row.role };
}

export function robotView(row: RobotRow): RobotView {
  return {
    name: robotAccountName(row.projectName, row.name),
    project: row.projectName,
    description: row.description,
    permissions: row.permissions,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    disabled: row.disabled,
    createdAt: row.createdAt.toISOString(),
  };
}

export function userView(row: UserRow): UserView {
  return { name: row.name, admin: row.admin, disabled: row.disabled, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

export function auditEventView(row: AuditEventRow): AuditEventView {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    before: row.before,
    after: row.after,
    clientAddress: row.clientAddress,
    project: row.project,
    repository: row.repository,
  };
}

export function cacheStatsView(
  project: ProjectRow,
  stats: ProjectStats,
  counts: { hits: number; misses: number },
): CacheStats {
  const settings = project.kind === 'proxy' ? proxySettingsOf(project) : undefined;
  const quota = settings?.quota;
  return {
    project: project.name,
    ...stats,
    lastPulledAt: stats.lastPulledAt?.toISOString() ?? null,
    hits: counts.hits,
    misses: counts.misses,
    quota: quota === undefined ? null : { ...quota, usedPercent: Math.round((stats.blobBytes / quota.maxBytes) * 1000) / 10 },
    retentionDays: settings?.retentionDays ?? null,
  };
}
