import type { ProjectRow } from '@berth/db';
import type { ProjectRows } from '../project-rows.js';
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

/**
 * The signature policies of every project, derived from the shared project rows (re-read at most
 * every five seconds, kept while the database is down, and at once in this process after the admin
 * API changed a project: ProxyService.forgetProject forgets them), with one verifier per policy
 * version (a verifier parses its keys once).
 */
export class ProjectPolicies {
  private loaded: { rows: readonly ProjectRow[]; byName: Map<string, ActivePolicy> } | undefined;
  private readonly verifiers = new Map<string, SignatureVerifier>();

  constructor(
    private readonly rows: Pick<ProjectRows, 'list'>,
    private readonly createVerifier: CreateSignatureVerifier,
  ) {}

  /** The project's policy when it has one that is not `off`. */
  async forProject(project: string): Promise<ActivePolicy | undefined> {
    return (await this.load()).get(project);
  }

  private async load(): Promise<Map<string, ActivePolicy>> {
    const rows = await this.rows.list();
    if (this.loaded?.rows === rows) return this.loaded.byName;
    const byName = new Map<string, ActivePolicy>();
    for (const row of rows) {
      const policy = signaturePolicyOf(row);
      if (policy === undefined || policy.mode === 'off') continue;
      byName.set(row.name, { projectId: row.id, project: row.name, policy, ...this.verifierFor(policy) });
    }
    this.loaded = { rows, byName };
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
