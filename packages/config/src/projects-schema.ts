import * as z from 'zod';
import { byteSize, nonEmpty, projectName, proxyUrl, publicUrl, secret, whenArray, whenObject } from './primitives.js';
import { isRecord } from './records.js';
import { signaturePolicySchema } from './signature-policy-schema.js';
import type { ProxyProjectConfig, UpstreamConfig } from './types.js';

const hostedProjectSchema = z.strictObject({
  kind: z.literal('hosted'),
  name: projectName,
  public: z.boolean().default(false),
  /** Which signatures the project trusts, and whether unsigned images are served (absent: not checked). */
  signaturePolicy: signaturePolicySchema.optional(),
});

/** A host name as written in `?ns=` (docker.io, ghcr.io, registry.example.com:5000). */
const nsHost = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$/, 'must be a lowercase host name, optionally with :port');

const nameMappingSchema = z.strictObject({
  prefix: z.string().regex(/^([a-z0-9._-]+\/)*$/, 'must be empty or path components ending with "/"').default(''),
  separator: z.string().regex(/^[a-z0-9._/-]+$/, 'must be a non-empty run of name characters').default('/'),
  dockerHubLibrary: z.enum(['auto', 'on', 'off']).default('auto'),
});

/** An upstream's label in metrics, logs and Cache-Status: the URL's host (with port) unless given. */
const upstreamLabel = z.string().regex(/^[a-z0-9]([a-z0-9._:-]*[a-z0-9])?$/, 'must be lowercase letters, digits, ".", "_", "-" or ":" (e.g. a host name)').max(100);

const upstreamSchema = z
  .strictObject({
    url: publicUrl,
    name: upstreamLabel.optional(),
    /** This upstream's own name mapping (the project's applies when absent). */
    nameMapping: nameMappingSchema.optional(),
    username: nonEmpty.optional(),
    password: secret.min(1).optional(),
    token: secret.min(1).optional(),
    insecureSkipVerify: z.boolean().default(false),
    caFile: nonEmpty.optional(),
    tokenRealmHosts: z.array(nsHost).default([]),
    timeouts: z
      .strictObject({
        connectSeconds: z.number().positive().max(600).optional(),
        headersSeconds: z.number().positive().max(600).optional(),
        bodyIdleSeconds: z.number().positive().max(600).optional(),
      })
      .optional(),
    // Stored in the project's settings in clear, so no credentials (use HTTPS_PROXY for a proxy that needs them).
    proxy: proxyUrl
      .refine((value) => value === undefined || !URL.canParse(value) || (new URL(value).username === '' && new URL(value).password === ''), 'must not contain credentials (set a proxy that needs them in HTTPS_PROXY / upstreamProxy)')
      .optional(),
    noProxy: z.string().optional(),
  })
  .superRefine((upstream, ctx) => {
    if ((upstream.username === undefined) !== (upstream.password === undefined)) {
      const missing = upstream.username === undefined ? 'username' : 'password';
      ctx.addIssue({ code: 'custom', path: [missing], message: `required when ${missing === 'username' ? 'password' : 'username'} is set` });
    }
    if (upstream.token !== undefined && upstream.username !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'give either token or username/password, not both' });
    }
  }, whenObject);

/** `os/arch` or `os/arch/variant`, as in an image index's platform (linux/amd64, linux/arm64/v8). */
const platform = z.string().regex(/^[a-z0-9_.-]+\/[a-z0-9_.-]+(\/[a-z0-9_.-]+)?$/, 'must be os/arch or os/arch/variant, e.g. linux/amd64');

/** After a manifest is pulled by tag, fetch the rest of the image in the background. */
const prefetchSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Platforms of an index whose manifests and blobs are fetched; empty: every platform. */
  platforms: z.array(platform).default([]),
  /** Also fetch the image's referrers list and the referrer manifests (signatures, SBOMs). */
  referrers: z.boolean().default(true),
});

/** Evict least recently pulled cached images while the project stores more than maxBytes. */
const quotaSchema = z.strictObject({
  maxBytes: byteSize,
  /** Eviction stops once the project is at or below this percentage of maxBytes. */
  lowWaterPercent: z.int().min(1).max(100).default(80),
});

const proxyProjectSchema = z.strictObject({
  kind: z.literal('proxy'),
  name: projectName,
  public: z.boolean().default(false),
  /** One upstream: the shorthand of a one-element `upstreams`. */
  upstream: upstreamSchema.optional(),
  /** Upstreams asked in this order (a virtual registry); exactly one of upstream and upstreams. */
  upstreams: z.array(upstreamSchema).min(1).max(16).optional(),
  tagTtlSeconds: z.int().min(0).default(300),
  maxStaleSeconds: z.int().min(0).default(7 * 24 * 3600),
  negativeTtlSeconds: z.int().min(0).default(60),
  serveStaleOnNotFound: z.boolean().default(false),
  pushPolicy: z.enum(['referrers', 'none', 'all']).default('referrers'),
  ns: z.array(nsHost).default([]),
  /** Merge the upstream's referrers into referrers answers (off: local referrers only). */
  referrersProxy: z.boolean().default(false),
  nameMapping: nameMappingSchema.prefault({}),
  prefetch: prefetchSchema.prefault({}),
  quota: quotaSchema.optional(),
  /** Evict cached images nobody pulled for this many days (Harbor's default rule is 7). */
  retentionDays: z.int().min(1).optional(),
  /** As for hosted projects; signatures listed by the upstream count too. */
  signaturePolicy: signaturePolicySchema.optional(),
});

/** The label an upstream goes by: its `name`, else its URL's host (with port). */
export function upstreamNameOf(upstream: { url: string; name?: string | undefined }): string {
  return upstream.name ?? (URL.canParse(upstream.url) ? new URL(upstream.url).host : upstream.url);
}

/** A proxy project's upstreams as configured: `upstreams`, or `upstream` as a one-element list. */
export function configuredUpstreams(project: Pick<ProxyProjectConfig, 'upstream' | 'upstreams'>): UpstreamConfig[] {
  return project.upstreams ?? (project.upstream !== undefined ? [project.upstream] : []);
}

/** A proxy project has `upstream` or `upstreams` (not both), and its upstreams' names differ. */
function oneUpstreamList(project: unknown, ctx: z.core.$RefinementCtx<unknown>): void {
  if (!isRecord(project) || project.kind !== 'proxy') return;
  const { upstream, upstreams } = project;
  if (upstream === undefined && upstreams === undefined) {
    ctx.addIssue({ code: 'custom', path: ['upstream'], message: 'a proxy project needs upstream (one registry) or upstreams (an ordered list)' });
  } else if (upstream !== undefined && upstreams !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['upstreams'], message: 'give either upstream or upstreams, not both' });
  }
  if (!Array.isArray(upstreams)) return;
  const seen = new Map<string, number>();
  upstreams.forEach((entry: unknown, index) => {
    if (!isRecord(entry) || typeof entry.url !== 'string') return;
    const name = upstreamNameOf({ url: entry.url, ...(typeof entry.name === 'string' ? { name: entry.name } : {}) });
    const first = seen.get(name);
    if (first === undefined) seen.set(name, index);
    else ctx.addIssue({ code: 'custom', path: ['upstreams', index, 'name'], message: `duplicate upstream name "${name}" (already upstreams[${first}]; give each a distinct name)` });
  });
}

/** Add a project kind by adding its schema here and its type to ProjectConfig. */
export const projectSchema = z.discriminatedUnion('kind', [hostedProjectSchema, proxyProjectSchema]).superRefine(oneUpstreamList);

/** Names and `ns` aliases must each name one project. */
function uniqueAcrossProjects(projects: unknown[], ctx: z.core.$RefinementCtx<unknown[]>): void {
  const firstName = new Map<string, number>();
  const firstNs = new Map<string, number>();
  projects.forEach((project, index) => {
    if (!isRecord(project)) return;
    if (typeof project.name === 'string') {
      const first = firstName.get(project.name);
      if (first === undefined) firstName.set(project.name, index);
      else ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate project name "${project.name}" (already declared at projects[${first}])` });
    }
    if (Array.isArray(project.ns)) {
      project.ns.forEach((host: unknown, at) => {
        if (typeof host !== 'string') return;
        const first = firstNs.get(host);
        if (first === undefined) firstNs.set(host, index);
        else ctx.addIssue({ code: 'custom', path: [index, 'ns', at], message: `ns "${host}" already routes to projects[${first}]` });
      });
    }
  });
}

export const projectsSchema = z.array(projectSchema).superRefine(uniqueAcrossProjects, whenArray).default([]);
