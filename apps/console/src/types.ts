// The admin API's answers, as the console reads them (see /api/v1/openapi.json).

export type Role = 'guest' | 'developer' | 'maintainer' | 'admin';

export interface Me {
  name: string;
  kind: 'user' | 'robot';
  admin: boolean;
  memberships: Array<{ project: string; role: Role }>;
  project?: string;
}

export interface Upstream {
  url: string;
  credentials: 'none' | 'basic' | 'token' | 'unreadable';
  insecureSkipVerify: boolean;
  customCa: boolean;
  tokenRealmHosts: string[];
}

export interface Project {
  name: string;
  kind: 'hosted' | 'proxy';
  public: boolean;
  managedBy?: string;
  upstream?: Upstream;
  tagTtlSeconds?: number;
  maxStaleSeconds?: number;
  negativeTtlSeconds?: number;
  pushPolicy?: 'referrers' | 'none' | 'all';
  referrersProxy?: boolean;
  ns?: string[];
}

export interface CacheStats {
  repositories: number;
  manifests: number;
  blobs: number;
  blobBytes: number;
  lastPulledAt: string | null;
  hits: number;
  misses: number;
  quota: { maxBytes: number; usedPercent: number } | null;
  retentionDays: number | null;
}

export interface Repository {
  name: string;
  path: string;
  tagCount: number;
  manifestCount: number;
  sizeBytes: number;
  lastPushedAt: string | null;
  lastCachedAt: string | null;
  lastPulledAt: string | null;
}

export interface Tag {
  name: string;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  kind: 'image' | 'index' | 'other';
  platforms: string[];
  sizeBytes: number;
  source: 'pushed' | 'cached';
  updatedAt: string;
  lastPulledAt: string | null;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ReferrerNode extends Descriptor {
  origin: 'local' | 'upstream' | 'both';
  referrers: ReferrerNode[];
}

export interface Artifact {
  repository: string;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  kind: 'image' | 'index' | 'other';
  source: 'pushed' | 'cached';
  sizeBytes: number;
  createdAt: string;
  lastPulledAt: string | null;
  tags: string[];
  config: Descriptor | null;
  layers: Descriptor[];
  manifests: Array<Descriptor & { platform: string | null; stored: boolean }>;
  subject: Descriptor | null;
  referrers: ReferrerNode[];
  upstreamReferrers: string;
}

export interface Member {
  user: string;
  role: Role;
}

export interface Robot {
  name: string;
  description: string;
  permissions: Array<'pull' | 'push' | 'delete'>;
  expiresAt: string | null;
  disabled: boolean;
  createdAt: string;
}

export interface AuditEvent {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

export interface JobsView {
  enabled: boolean;
  counts: { waiting: number; active: number; delayed: number; failed: number };
  recentFailures: Array<{ id: string; name: string; error: string; attempts: number; failedAt: string }>;
}
