import * as z from 'zod';
import type { ManifestRow, RepositorySummary, TagDetail } from '@berth/db';
import { isIndexMediaType, parseManifest, type Descriptor, type ParsedManifest, type Platform } from '@berth/oci';

/**
 * What the repository browsing routes answer (zod schemas for the OpenAPI document, and the
 * builders). Sizes are what a pull of the image transfers: manifest, config and layers; an index's
 * size adds its stored children's.
 */

const timestamp = z.iso.datetime({ offset: true });
const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: z.string(),
  size: z.int(),
  artifactType: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const repositoryViewSchema = z.object({
  /** Full name, as clients pull it: `hub/library/nginx`. */
  name: z.string(),
  /** The name within the project (`library/nginx`): the `{repository}` path parameter, URL-encoded. */
  path: z.string(),
  tagCount: z.int(),
  manifestCount: z.int(),
  sizeBytes: z.int(),
  createdAt: timestamp,
  lastPushedAt: timestamp.nullable(),
  lastCachedAt: timestamp.nullable(),
  lastPulledAt: timestamp.nullable(),
});
export type RepositoryView = z.infer<typeof repositoryViewSchema>;
export const repositoryListSchema = z.object({ repositories: z.array(repositoryViewSchema), next: z.string().nullable() });
export type RepositoryList = z.infer<typeof repositoryListSchema>;

/** `linux/arm64/v8`, as docker and podman write platforms. */
const platformText = z.string();

export const tagViewSchema = z.object({
  name: z.string(),
  digest: z.string(),
  mediaType: z.string(),
  artifactType: z.string().nullable(),
  kind: z.enum(['image', 'index', 'other']),
  platforms: z.array(platformText),
  sizeBytes: z.int(),
  /** `pushed` to Berth, or `cached` from the upstream of a proxy project. */
  source: z.enum(['pushed', 'cached']),
  updatedAt: timestamp,
  /** Cached tags: when the upstream last confirmed the digest. */
  checkedAt: timestamp.nullable(),
  lastPulledAt: timestamp.nullable(),
});
export type TagView = z.infer<typeof tagViewSchema>;
export const tagListSchema = z.object({ tags: z.array(tagViewSchema), next: z.string().nullable() });
export type TagList = z.infer<typeof tagListSchema>;

export interface ReferrerNode {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string | undefined;
  annotations?: Record<string, string> | undefined;
  origin: 'local' | 'upstream' | 'both';
  referrers: ReferrerNode[];
}
const referrerNodeSchema: z.ZodType<ReferrerNode> = z.lazy(() =>
  descriptorSchema.extend({
    /** `local`: stored in Berth; `upstream`: listed by the upstream only; `both`: stored and listed upstream. */
    origin: z.enum(['local', 'upstream', 'both']),
    referrers: z.array(referrerNodeSchema),
  }),
);

export const artifactViewSchema = z.object({
  repository: z.string(),
  digest: z.string(),
  mediaType: z.string(),
  artifactType: z.string().nullable(),
  kind: z.enum(['image', 'index', 'other']),
  source: z.enum(['pushed', 'cached']),
  sizeBytes: z.int(),
  createdAt: timestamp,
  lastPulledAt: timestamp.nullable(),
  tags: z.array(z.string()),
  annotations: z.record(z.string(), z.string()),
  config: descriptorSchema.nullable(),
  layers: z.array(descriptorSchema),
  /** Index children; `stored` when Berth holds the child manifest. */
  manifests: z.array(descriptorSchema.extend({ platform: platformText.nullable(), stored: z.boolean() })),
  subject: descriptorSchema.nullable(),
  /** Merged referrers (signatures, SBOMs, attestations), each with its own referrers. */
  referrers: z.array(referrerNodeSchema),
  /** `off`: the project does not merge the upstream's referrers (or is hosted); else the upstream list's cache outcome. */
  upstreamReferrers: z.string(),
});
export type ArtifactView = z.infer<typeof artifactViewSchema>;

export function repositoryView(project: string, row: RepositorySummary): RepositoryView {
  return {
    name: row.name,
    path: row.name.slice(project.length + 1),
    tagCount: row.tagCount,
    manifestCount: row.manifestCount,
    sizeBytes: row.sizeBytes,
    createdAt: row.createdAt.toISOString(),
    lastPushedAt: row.lastPushedAt?.toISOString() ?? null,
    lastCachedAt: row.lastCachedAt?.toISOString() ?? null,
    lastPulledAt: row.lastPulledAt?.toISOString() ?? null,
  };
}

/** Parsed, or null for a manifest Berth stores but cannot read (schema 1, a future type). */
export function parsedOrNull(row: Pick<ManifestRow, 'content' | 'mediaType'>): ParsedManifest | null {
  try {
    return parseManifest(row.content, row.mediaType);
  } catch {
    return null;
  }
}

export function platformOf(platform: Platform | undefined): string | null {
  if (platform === undefined) return null;
  return [platform.os, platform.architecture, platform.variant].filter((p) => p !== undefined && p !== '').join('/');
}

/** An index's image platforms, without buildkit's attestation entries (`unknown/unknown`). */
export function platformsOf(parsed: ParsedManifest | null): string[] {
  if (parsed === null || parsed.kind !== 'index') return [];
  return parsed.manifests
    .filter((d) => d.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest')
    .map((d) => platformOf(d.platform))
    .filter((p): p is string => p !== null && p !== 'unknown/unknown');
}

export function kindOf(parsed: ParsedManifest | null): 'image' | 'index' | 'other' {
  return parsed === null ? 'other' : parsed.kind;
}

/** Manifest, config and layers; for an index, itself plus its stored children's sizes. */
export function sizeOf(row: Pick<ManifestRow, 'size'>, parsed: ParsedManifest | null, children: ReadonlyMap<string, ManifestRow> = new Map()): number {
  if (parsed === null) return row.size;
  if (parsed.kind === 'image') return row.size + (parsed.config?.size ?? 0) + parsed.layers.reduce((sum, l) => sum + l.size, 0);
  let total = row.size;
  for (const child of parsed.manifests) {
    const stored = children.get(child.digest);
    total += stored === undefined ? child.size : sizeOf(stored, parsedOrNull(stored));
  }
  return total;
}

export function tagView(row: TagDetail, parsed: ParsedManifest | null, children: ReadonlyMap<string, ManifestRow>): TagView {
  return {
    name: row.name,
    digest: row.digest,
    mediaType: row.mediaType,
    artifactType: row.artifactType ?? (isIndexMediaType(row.mediaType) ? null : row.configMediaType),
    kind: kindOf(parsed),
    platforms: platformsOf(parsed),
    sizeBytes: sizeOf(row, parsed, children),
    source: row.source === 'local' ? 'pushed' : 'cached',
    updatedAt: row.updatedAt.toISOString(),
    checkedAt: row.checkedAt?.toISOString() ?? null,
    lastPulledAt: row.lastPulledAt?.toISOString() ?? null,
  };
}

/** A descriptor as answered: only the fields the schema names. */
export function descriptorView(d: Descriptor): z.infer<typeof descriptorSchema> {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.artifactType !== undefined ? { artifactType: d.artifactType } : {}),
    ...(d.annotations !== undefined ? { annotations: d.annotations } : {}),
  };
}
