import { isDatabaseUnavailable, type MetadataStore } from '@berth/db';
import type { CreateSignatureVerifier, SignatureVerifier } from '@berth/signatures';
import { policyVersion, signaturePolicyOf, trustMaterialOf, type SignaturePolicy } from './signature-policy.js';

/** A project's policy, ready to check with. */
export interface ActivePolicy {
  projectId: number;
  project: string;
  policy: SignaturePolicy;
  version: string;
  /** Undefined when the stored trust material does not parse any more: every verdict fails, naming why. */
  verifier: SignatureVerifier | undefined;
  problem?: string;
}

/** How long policies are reused between database reads; a change through this process's admin API applies at once. */
const POLICY_CACHE_MS = 5_000;
const POLICY_RETRY_MS = 1_000;

/**
 * The signature policies of every project, re-read at most every five seconds (as the proxy
 * settings are), with one verifier per policy version (a verifier parses its keys once).
 */
export class ProjectPolicies {
  private loaded: { at: number; byName: Map<string, ActivePolicy> } | undefined;
  private readonly verifiers = new Map<string, SignatureVerifier>();

  constructor(
    private readonly metadata: Pick<MetadataStore, 'listProjects'>,
    private readonly createVerifier: CreateSignatureVerifier,
    private readonly now: () => number = Date.now,
  ) {}

  /** The project's policy when it has one that is not `off`. */
  async forProject(project: string): Promise<ActivePolicy | undefined> {
    return (await this.load()).get(project);
  }

  /** Read the policies again on the next request (after the admin API changed a project). */
  forget(): void {
    this.loaded = undefined;
  }

  private async load(): Promise<Map<string, ActivePolicy>> {
    if (this.loaded !== undefined && this.now() - this.loaded.at < POLICY_CACHE_MS) return this.loaded.byName;
    let rows;
    try {
      rows = await this.metadata.listProjects();
    } catch (error) {
      // As the proxy settings: with the database down, the policies read last stay in force (what
      // needs no database is still served, and still checked); asked again in a second.
      if (!isDatabaseUnavailable(error) || this.loaded === undefined) throw error;
      this.loaded.at = this.now() - POLICY_CACHE_MS + POLICY_RETRY_MS;
      return this.loaded.byName;
    }
    const byName = new Map<string, ActivePolicy>();
    for (const row of rows) {
      const policy = signaturePolicyOf(row);
      if (policy === undefined || policy.mode === 'off') continue;
      byName.set(row.name, { projectId: row.id, project: row.name, policy, ...this.verifierFor(policy) });
    }
    this.loaded = { at: this.now(), byName };
    const versions = new Set([...byName.values()].map((active) => active.version));
    for (const version of this.verifiers.keys()) if (!versions.has(version)) this.verifiers.delete(version);
    return byName;
  }

  private verifierFor(policy: SignaturePolicy): { version: string; verifier: SignatureVerifier | undefined; problem?: string } {
    const version = policyVersion(policy);
    const known = this.verifiers.get(version);
    if (known !== undefined) return { version, verifier: known };
    try {
      const verifier = this.createVerifier(trustMaterialOf(policy));
      this.verifiers.set(version, verifier);
      return { version, verifier };
    } catch (error) {
      return { version, verifier: undefined, problem: `the policy's trust material is not usable (${error instanceof Error ? error.message : String(error)})` };
    }
  }
}
