import { OciError, isIndexMediaType, projectOf } from '@berth/oci';
import type { MetadataStore } from '@berth/db';
import type { SignatureCheck, Verdict } from '@berth/signatures';
import type { StoredManifest } from '../manifests.js';
import { ContentVersionReads, type ContentVersions } from '../proxy/content-versions.js';
import { SingleFlight } from '../proxy/single-flight.js';
import type { ReferrersService, ReferrersSnapshot } from '../referrers.js';
import type { ProjectPolicies, ActivePolicy } from './project-policies.js';
import { RecentFailures } from './recent-failures.js';
import { isSignatureArtifact } from './signature-artifacts.js';
import type { SignatureEvidence } from './signature-evidence.js';
import { VerdictCache } from './verdict-cache.js';

export interface SignatureGateLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface SignatureMetrics {
  /** `publisher`: no trusted signature, served in enforce mode to a caller who may push (see check). */
  verdict(project: string, mode: 'audit' | 'enforce', result: 'passed' | 'failed' | 'publisher'): void;
}

/** What the gate is told of the request whose manifest it checks. */
export interface GateRequest {
  /** Whether the caller may push to the repository (see check); nobody may when absent. */
  mayPush?: () => Promise<boolean>;
  /**
   * The request's reads of the content versions (ContentVersionReads), when the manifest was read
   * with them: the version read for the manifest then keys the verdicts too. Without it the check
   * reads the version once itself, for the manifest and the indexes that list it.
   */
  versions?: Pick<ContentVersions, 'current'>;
}

/** Parent indexes looked at for a platform manifest fetched by digest. */
const MAX_PARENTS = 10;
/** The 403 message's budget: each check's reason, and the whole. */
const MAX_REASON_CHARS = 200;
const MAX_MESSAGE_CHARS = 4000;

/**
 * Acts on a project's signature policy before a manifest is served (GET and HEAD, by tag or
 * digest; called after the access checks, so a policy never tells a caller more than a 404 would).
 * `enforce`: DENIED unless a signature over the manifest's digest verifies against the project's
 * trust, or (fetched by digest) an index of the same repository that lists it passes; signature
 * manifests themselves (every layer an envelope) are served, so verifiers can read them. `audit`:
 * served; a failure is logged, counted and kept for the admin API.
 */
export class SignatureGate {
  private readonly computing = new SingleFlight<Verdict>();
  readonly failures = new RecentFailures();

  constructor(
    private readonly deps: {
      policies: ProjectPolicies;
      referrers: Pick<ReferrersService, 'snapshot'>;
      evidence: SignatureEvidence;
      metadata: Pick<MetadataStore, 'listParentIndexes'>;
      /** The projects' content versions, which key the verdicts (through the referrers' basis). */
      versions: Pick<ContentVersions, 'current'>;
      cache: VerdictCache;
      logger?: SignatureGateLogger;
      metrics?: SignatureMetrics;
    },
  ) {}

  /**
   * `mayPush`: whether the caller may push to the repository. In enforce mode such a caller is
   * served an image without a trusted signature (logged, counted as `publisher`): signing tools
   * read the image before they push its signature, and a publisher could push anything anyway.
   * The policy protects those who may only pull.
   */
  async check(name: string, manifest: StoredManifest, byDigest: boolean, request: GateRequest = {}): Promise<void> {
    const active = await this.deps.policies.forProject(projectOf(name));
    if (active === undefined) return;
    const mode = active.policy.mode as 'audit' | 'enforce';
    // A signature manifest passes without a verdict: reaching one would read its referrers (from the
    // upstream too) on every read `cosign verify` or `notation verify` makes.
    if (isSignatureArtifact(manifest)) {
      this.deps.metrics?.verdict(active.project, mode, 'passed');
      return;
    }
    const versions = request.versions ?? new ContentVersionReads(this.deps.versions);
    const verdict = await this.verdict(active, name, manifest.digest, versions);
    const passed =
      verdict.passed ||
      (byDigest && !isIndexMediaType(manifest.mediaType) && (await this.listedByPassingIndex(active, name, manifest.digest, versions)));
    if (passed) {
      this.deps.metrics?.verdict(active.project, mode, 'passed');
      return;
    }
    const reasons = verdict.checks.map(describeCheck);
    if (mode === 'enforce' && request.mayPush !== undefined && (await request.mayPush())) {
      this.deps.metrics?.verdict(active.project, mode, 'publisher');
      this.deps.logger?.info({ project: active.project, repository: name, digest: manifest.digest, reasons }, `signature policy: ${manifest.digest} has no trusted signature; served to a caller who may push to ${name}`);
      return;
    }
    this.deps.metrics?.verdict(active.project, mode, 'failed');
    this.deps.logger?.warn({ project: active.project, repository: name, digest: manifest.digest, mode, reasons }, `signature policy: ${manifest.digest} has no trusted signature`);
    this.failures.add(active.project, { repository: name, digest: manifest.digest, mode, reasons, at: new Date() });
    if (mode === 'enforce') throw denied(active, name, manifest.digest, reasons);
  }

  /** The cached verdict for the subject's current referrers, or a new one. */
  private async verdict(active: ActivePolicy, name: string, subject: string, versions: Pick<ContentVersions, 'current'>): Promise<Verdict> {
    const snapshot = await this.deps.referrers.snapshot(active.projectId, name, subject, versions);
    const key = VerdictCache.key(active.projectId, name, subject, active.version);
    const basis = snapshot.basis;
    // Without a basis (no content version, upstream list not cached) nothing may be kept or shared.
    if (basis === undefined) return this.reach(active, name, subject, snapshot, versions);
    const cached = await this.deps.cache.get(key, basis);
    if (cached !== undefined) return cached;
    const { value } = await this.computing.run(`${key} ${basis}`, async () => {
      const verdict = await this.reach(active, name, subject, snapshot, versions);
      await this.deps.cache.set(key, basis, verdict);
      return verdict;
    });
    return value;
  }

  private async reach(active: ActivePolicy, name: string, subject: string, snapshot: ReferrersSnapshot, versions: Pick<ContentVersions, 'current'>): Promise<Verdict> {
    if (active.verifier === undefined) return { subject, passed: false, checks: [{ digest: subject, source: 'local', kind: 'not-a-signature', passed: false, reason: active.problem ?? 'no verifier' }] };
    const { descriptors, fromUpstream } = await snapshot.descriptors();
    const { candidates, unreadable, skipped, maxCandidates } = await this.deps.evidence.gather(name, snapshot.proxy ?? null, descriptors, fromUpstream, versions);
    let verdict: Verdict;
    try {
      verdict = candidates.length === 0 ? { subject, passed: false, checks: [] } : await active.verifier.verify(subject, candidates);
    } catch (error) {
      // The verifier promises not to throw for bad input; should it, the signatures failed, the request did not.
      const reason = `verification failed: ${error instanceof Error ? error.message : String(error)}`;
      verdict = { subject, passed: false, checks: candidates.map((c) => ({ digest: c.digest, source: c.source, kind: 'not-a-signature' as const, passed: false, reason })) };
    }
    const checks = [...verdict.checks, ...unreadable];
    // First, so that a message cut at its length limit still says that signatures went unchecked.
    if (skipped > 0) checks.unshift({ digest: subject, source: 'local', kind: 'not-a-signature', passed: false, reason: `${skipped} signatures listed beyond the first ${maxCandidates}, which alone are checked` });
    return { subject, passed: verdict.passed, checks };
  }

  /**
   * A platform manifest pulled by digest passes through a passing index of the same repository that
   * lists it. One query by the repository's name: the manifest may have come from memory, with no
   * repository row read.
   */
  private async listedByPassingIndex(active: ActivePolicy, name: string, digest: string, versions: Pick<ContentVersions, 'current'>): Promise<boolean> {
    const parents = (await this.deps.metadata.listParentIndexes(name, digest)).slice(0, MAX_PARENTS);
    for (const parent of parents) if ((await this.verdict(active, name, parent, versions)).passed) return true;
    return false;
  }
}

function describeCheck(check: SignatureCheck): string {
  const reason = check.reason.length > MAX_REASON_CHARS ? `${check.reason.slice(0, MAX_REASON_CHARS)}…` : check.reason;
  return `${check.digest} (${check.source}, ${check.kind}): ${reason}`;
}

function denied(active: ActivePolicy, name: string, digest: string, reasons: string[]): OciError {
  const found = reasons.length === 0 ? 'no signatures found' : reasons.join('; ');
  let message = `the signature policy of project ${active.project} (enforce) refuses ${name}@${digest}: no signature it trusts; ${found}`;
  if (message.length > MAX_MESSAGE_CHARS) message = `${message.slice(0, MAX_MESSAGE_CHARS)}…`;
  return new OciError('DENIED', message, { detail: { project: active.project, digest, policy: 'enforce' } });
}
