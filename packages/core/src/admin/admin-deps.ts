import type { MetadataStore } from '@berth/db';
import type { SecretSealer } from '../proxy/sealed-secrets.js';
import type { ReferrersService } from '../referrers.js';
import type { SignatureFailure } from '../signatures/recent-failures.js';

/** The pull-through service's in-process memory of a project (ProxyService implements it). */
export interface ProxyMemory {
  /** Also forgets the shared project rows: settings and signature policies are read again on the next request. */
  forgetProject(projectId: number, repositoryName?: string): Promise<void>;
  /**
   * A hosted project's manifests or tags changed outside the /v2 routes (an admin delete): its
   * content version changes, so what any process remembers of it (manifests, verdicts) is read again.
   */
  contentChanged(projectId: number, repositoryName: string): Promise<void>;
  /** The name a repository is kept under (proxy projects fold every name of one upstream repository). */
  canonicalName(name: string): Promise<string>;
}

/** Proxied requests answered from the cache (hits) and from the upstream (misses), per project. */
export type CacheCounts = (project: string) => { hits: number; misses: number } | Promise<{ hits: number; misses: number }>;

/** The job queue's state (the jobs package's JobQueue has this shape). */
export interface JobsStatus {
  counts(): Promise<{ waiting: number; active: number; delayed: number; failed: number }>;
  recentFailures(limit: number): Promise<Array<{ id: string; name: string; error: string; attempts: number; failedAt: Date; payload: unknown }>>;
}

/** The login throttle as administrators see it (AccessService implements it). */
export interface LoginUnlocker {
  /**
   * Forget the account's failed logins from every client address in this process (the caller
   * counted the unlock on the account first, for the other processes); how many addresses were locked.
   */
  unlockLogins(account: string): { unlockedAddresses: number };
}

/**
 * The signature policy as the admin API sees it (SignatureGate implements it). A changed policy
 * needs no call of its own: the policies derive from the project rows `proxy.forgetProject` forgets.
 */
export interface SignaturePolicyMemory {
  /** The project's latest policy failures in this process, newest first. */
  readonly failures: { list(project: string): SignatureFailure[] };
}

export interface AdminDeps {
  /** Projects and accounts (`metadata.accounts`). */
  metadata: MetadataStore;
  /** Seals upstream credentials given through the API; without it a project with credentials is refused. */
  sealer?: SecretSealer;
  /** Forgotten after a purge, a settings change or a delete, so this process serves the new state at once. */
  proxy?: ProxyMemory;
  /** The signature policies' recent failures. */
  signatures?: SignaturePolicyMemory;
  /** Local and upstream referrers of an artifact (the registry's referrers service); local only when absent. */
  referrers?: Pick<ReferrersService, 'origins'>;
  /** Hit and miss counts for cache statistics (from the process metrics); zeros when absent. */
  cacheCounts?: CacheCounts;
  /** The background job queue; absent when this deployment runs no jobs. */
  jobs?: JobsStatus;
  /**
   * Where the configuration declares its projects (the file's path, or BERTH_PROJECTS): named in
   * the 409 that refuses changes to a configuration-owned project, and shown in its view.
   */
  projectsDeclaredIn?: string;
  /** Failed-login locks that administrators may end early; without it an unlock finds nothing locked. */
  logins?: LoginUnlocker;
  /** The administrator bootstrapped from configuration (auth.admin.username): never deleted, disabled or demoted. */
  bootstrapAdmin?: string;
  /**
   * Called after every successful change, so caches of accounts and project visibility in this
   * process (the access service's) are dropped at once instead of after their lifetime.
   */
  afterChange?: () => void;
}
