/** What the registry services need to know from configuration (mapped from BerthConfig by the app). */
export interface CoreSettings {
  /** Create a hosted project on first push into an undeclared project. */
  autoCreateProjects: boolean;
  /** Manifests larger than this are refused with 413. */
  maxManifestBytes: number;
  /** When set, blob GETs may be answered with a redirect to a presigned URL valid this long. */
  blobRedirectSeconds?: number;
  /** An upload session untouched for this long is gone (BLOB_UPLOAD_UNKNOWN) and its bytes dropped. */
  uploadSessionTtlMs: number;
  /** Referrers answers are split into pages of at most this many descriptors / bytes. */
  referrersPage: { maxCount: number; maxBytes: number };
  /**
   * Hosted manifests read from the database are served from process memory while their project's
   * content version is unchanged, and for at most this long (the bound for a version change lost
   * while Redis was down). 0: not remembered at all (replicas on PostgreSQL without Redis, which
   * cannot hear of each other's pushes: a tag pushed through one is served by the next GET on any).
   */
  hostedManifestMaxAgeMs: number;
}

export const DEFAULT_CORE_SETTINGS: CoreSettings = {
  autoCreateProjects: true,
  maxManifestBytes: 4 * 1024 * 1024,
  uploadSessionTtlMs: 24 * 60 * 60 * 1000,
  referrersPage: { maxCount: 1000, maxBytes: 4 * 1024 * 1024 },
  hostedManifestMaxAgeMs: 30_000,
};
