/**
 * The validated configuration Berth runs with, every default applied. `loadConfig` also makes every
 * path absolute (the schema alone leaves relative paths as written).
 * docs/configuration.md describes each setting; keep the two in step.
 */
export interface BerthConfig {
  server: ServerConfig;
  /** Base directory for the embedded defaults (database and blobs). */
  dataDir: string;
  database: DatabaseConfig;
  storage: StorageConfig;
  redis: RedisConfig;
  /** Create a hosted project on the first push into an undeclared project. */
  autoCreateProjects: boolean;
  /** Projects declared in configuration, created or updated at start; configuration owns them. */
  projects: ProjectConfig[];
  /** Forward proxies for upstream connections (from HTTP_PROXY, HTTPS_PROXY, NO_PROXY unless configured). */
  upstreamProxy: UpstreamProxyConfig;
  /**
   * Where `projects` was declared: the configuration file's absolute path, or the environment
   * variable that set it (BERTH_PROJECTS). Set by `loadConfig` when there are projects; not a setting.
   */
  projectsDeclaredIn?: string;
  limits: LimitsConfig;
  referrersCache: ReferrersCacheConfig;
  jobs: JobsConfig;
  secrets: SecretsConfig;
  auth: AuthConfig;
  log: LogConfig;
}

/** Background jobs: refresh, prefetch, eviction, retention, upload cleanup, garbage collection. */
export interface JobsConfig {
  /**
   * Whether the registry process also runs the job processors. `auto`: yes without Redis (the
   * embedded mode, in-process queue), no with Redis (run `berth-worker` processes instead).
   */
  worker: 'auto' | 'on' | 'off';
  /** Jobs one worker runs at once. */
  concurrency: number;
  /** How often quota and retention eviction checks every proxy project. */
  evictionIntervalSeconds: number;
  /** How often the garbage collector runs. */
  gcIntervalSeconds: number;
  /** An unreferenced blob is deleted only after it stayed unreferenced this long (covers pushes in progress). */
  gcGraceSeconds: number;
  /** How often abandoned upload sessions (idle longer than limits.uploadSessionTtlMinutes) are removed. */
  uploadCleanupIntervalSeconds: number;
  /** Port of a worker process's /healthz and /metrics (on server.host; 0: any free port). */
  workerPort: number;
}

export interface ServerConfig {
  /** Default `0.0.0.0`: every interface (authentication protects the registry). */
  host: string;
  /** 0 lets the operating system pick a free port. */
  port: number;
  /** Absolute http(s) URL without a trailing slash, used in Location and Link headers; else derived from the request. */
  publicUrl?: string;
  /**
   * Honour X-Forwarded-* headers from peers on loopback and private networks (`loopback`,
   * `linklocal`, `uniquelocal`); a shorthand added to `trustedProxies`.
   */
  trustProxy: boolean;
  /**
   * Peers (IP addresses, CIDR blocks or those range names) whose X-Forwarded-* headers are
   * honoured; anyone else's are ignored, so a forged X-Forwarded-For never changes the client
   * address logins are throttled by.
   */
  trustedProxies: string[];
  /** How long in-flight requests may finish after SIGTERM before the process exits. */
  shutdownGraceSeconds: number;
  /**
   * After SIGTERM, keep accepting and serving this long with /readyz answering 503, so load balancers
   * probing readiness take the replica out before it stops listening. 0: stop listening at once.
   */
  shutdownDelaySeconds: number;
  /** Send stored blobs with sendfile(2) (zero-copy) where the addon is built; false copies through user space. */
  sendfile: boolean;
}

export interface DatabaseConfig {
  /** postgres:// URL; absent means embedded PGlite in `dataDir`. */
  url?: string;
  /** PGlite directory, used only without `url`. */
  dataDir: string;
  /** Maximum Postgres connections per process, used only with `url`. */
  poolSize: number;
}

export type StorageDriver = StorageConfig['driver'];

export type StorageConfig = { driver: 'fs'; fs: FsStorageConfig } | { driver: 's3'; s3: S3StorageConfig };

export interface FsStorageConfig {
  root: string;
}

export interface S3StorageConfig {
  /** Custom endpoint (MinIO, R2, Ceph...); absent means AWS. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Key prefix inside the bucket; '' for none. */
  prefix: string;
  forcePathStyle: boolean;
  /** Static credentials; both absent means the AWS SDK default credential chain. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Answer blob GETs with a 307 to a presigned URL instead of streaming through Berth. */
  redirect: boolean;
  presignExpirySeconds: number;
}

export interface RedisConfig {
  /** redis:// or rediss:// URL; set, replicas share a lock per blob fill so each blob is fetched once. */
  url?: string;
  /** Prepended to every key Berth writes, to share one Redis between deployments. */
  keyPrefix: string;
  /** Lifetime of a blob-fill lock without renewal: how long replicas wait for a fill whose replica died. */
  fillLockTtlSeconds: number;
}

export type ProjectKind = ProjectConfig['kind'];

/** One member per project kind. */
export type ProjectConfig = HostedProjectConfig | ProxyProjectConfig;

export interface HostedProjectConfig {
  kind: 'hosted';
  /** A single repository path component: the first part of every repository name in the project. */
  name: string;
  /** Anyone may pull without an account (when auth is enabled and auth.anonymousPull is on). */
  public: boolean;
  /** Which signatures the project trusts, and what happens to images without one (absent: not checked). */
  signaturePolicy?: SignaturePolicyConfig;
}

/** A project's signature policy (see docs/signatures.md). */
export interface SignaturePolicyConfig {
  mode: 'off' | 'audit' | 'enforce';
  cosign: { keys: { name: string; publicKey: string }[] };
  notation: { trustStore: string[]; trustedIdentities: string[] };
}

/** A pull-through cache of one upstream registry. */
export interface ProxyProjectConfig {
  kind: 'proxy';
  name: string;
  /** As for hosted projects: anonymous pull. */
  public: boolean;
  /** One upstream (the shorthand of a one-element `upstreams`); exactly one of the two is set. */
  upstream?: UpstreamConfig;
  /** Upstreams asked in order: the first that has a tag serves it (see docs/pull-through.md). */
  upstreams?: UpstreamConfig[];
  /** Within this many seconds of the last check a tag is served with no upstream contact. */
  tagTtlSeconds: number;
  /** How long past its TTL a cached tag may still be served while the upstream is unavailable. */
  maxStaleSeconds: number;
  /** How long an upstream 404 is remembered. */
  negativeTtlSeconds: number;
  /** Serve a cached copy (within maxStale) even when the upstream says 404. */
  serveStaleOnNotFound: boolean;
  /** What clients may push: referrers (signatures, SBOMs), nothing, or anything. */
  pushPolicy: 'referrers' | 'none' | 'all';
  /** Registry hosts (as in `?ns=docker.io`) routed to this project. */
  ns: string[];
  /** Merge the upstream's referrers (referrers API, else the tag schema) into referrers answers. */
  referrersProxy: boolean;
  nameMapping: { prefix: string; separator: string; dockerHubLibrary: 'auto' | 'on' | 'off' };
  /** After a pull by tag, fetch the image's platform manifests, blobs and referrers in the background. */
  prefetch: { enabled: boolean; platforms: string[]; referrers: boolean };
  /** Evict least recently pulled cached images while the project stores more than maxBytes. */
  quota?: { maxBytes: number; lowWaterPercent: number };
  /** Evict cached images not pulled for this many days. */
  retentionDays?: number;
  /** As for hosted projects; signatures listed by the upstream count too. */
  signaturePolicy?: SignaturePolicyConfig;
}

export interface UpstreamTimeoutsConfig {
  connectSeconds?: number;
  headersSeconds?: number;
  bodyIdleSeconds?: number;
}

export interface UpstreamProxyConfig {
  /** For http:// upstreams. */
  httpProxy?: string | undefined;
  /** For https:// upstreams (CONNECT tunnels). */
  httpsProxy?: string | undefined;
  /** Hosts reached directly, as NO_PROXY: `a.example,.b.example,10.0.0.1,host:5000,*`. */
  noProxy?: string | undefined;
}

export interface UpstreamConfig {
  url: string;
  /** Label in metrics, logs and Cache-Status; the URL's host (with port) when absent. */
  name?: string;
  /** This upstream's own name mapping; the project's when absent. */
  nameMapping?: { prefix: string; separator: string; dockerHubLibrary: 'auto' | 'on' | 'off' };
  username?: string;
  password?: string;
  token?: string;
  insecureSkipVerify: boolean;
  /** PEM file of extra CAs trusted for this upstream. */
  caFile?: string;
  /** Hosts a token realm may be on besides the upstream's own. */
  tokenRealmHosts: string[];
  /** How long to wait for the upstream: a connection, an answer's headers, and between body bytes (defaults 5, 30, 30 s). */
  timeouts?: UpstreamTimeoutsConfig;
  /** A forward proxy for this upstream (both schemes), replacing upstreamProxy's; no credentials in it. */
  proxy?: string | undefined;
  /** Hosts this project reaches directly, replacing upstreamProxy.noProxy (`*`: never a proxy). */
  noProxy?: string | undefined;
}

export interface SecretsConfig {
  /** base64 AES-256 key sealing upstream credentials at rest; generated into dataDir when unset in embedded mode. */
  key?: string;
}

/** Token authentication of registry clients (Docker token spec) and the accounts behind it. */
export interface AuthConfig {
  /** false: every request is allowed, as before authentication existed (development only; unsafe on a network). */
  enabled: boolean;
  /** Token audience and the `service` of challenges; default the host[:port] of server.publicUrl, else `berth`. */
  service: string;
  /** The `iss` of issued tokens. */
  issuer: string;
  /** Lifetime of registry access tokens. */
  tokenTtlSeconds: number;
  /** Lifetime of refresh tokens (`docker login` identity tokens). */
  refreshTokenTtlSeconds: number;
  /** PEM PKCS#8 P-256 private key signing tokens (absolute after loadConfig); absent: generated and kept in the database. */
  signingKeyFile?: string;
  admin: AdminAccountConfig;
  lockout: LockoutConfig;
  /** false: even public projects need an account. */
  anonymousPull: boolean;
}

/** The system administrator created on first start. */
export interface AdminAccountConfig {
  username: string;
  /** At least 8 characters; absent: a random password is generated on first start and logged once. */
  password?: string;
}

/** Failed logins: `maxFailures` within `windowSeconds` lock the account for `lockSeconds`; 0 failures disables. */
export interface LockoutConfig {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

export interface LimitsConfig {
  /** Larger manifests are refused with 413. */
  maxManifestBytes: number;
  /** Upload sessions idle longer than this are abandoned. */
  uploadSessionTtlMinutes: number;
  /** A referrers answer longer than this many descriptors is split into pages (Link: rel="next"). */
  referrersPageMaxDescriptors: number;
  /** ... or longer than this many bytes of JSON. */
  referrersPageMaxBytes: number;
}

/** The cache of upstream referrers lists: in Redis when `redis.url` is set, else in process memory. */
export interface ReferrersCacheConfig {
  /** A cached list is answered with no upstream contact for this long. */
  freshTtlSeconds: number;
  /** After the fresh TTL and up to this age a cached list is answered at once while one background refresh runs; it is also what is served while the upstream fails. */
  staleTtlSeconds: number;
  /** A longer upstream list is served but not cached. */
  maxListBytes: number;
  /** All cached lists together; least recently used lists are evicted beyond it. */
  maxTotalBytes: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogConfig {
  level: LogLevel;
  /** Human-readable lines instead of JSON. */
  pretty: boolean;
}
