/** One image a project's policy did not pass (served in audit mode, refused in enforce mode). */
export interface SignatureFailure {
  repository: string;
  digest: string;
  mode: 'audit' | 'enforce';
  /** Each signature found and why it failed; empty when none was found. */
  reasons: string[];
  at: Date;
}

/** Failures kept per project, newest first. */
const PER_PROJECT = 100;

/**
 * The latest policy failures of each project in this process, for the admin API
 * (`GET /projects/{project}/signature-verdicts`). Per process: each replica lists what it refused or
 * served in audit mode; the log line and the metric carry every failure on every replica.
 */
export class RecentFailures {
  private readonly byProject = new Map<string, SignatureFailure[]>();

  add(project: string, failure: SignatureFailure): void {
    const list = this.byProject.get(project) ?? [];
    const same = list.findIndex((f) => f.repository === failure.repository && f.digest === failure.digest);
    if (same >= 0) list.splice(same, 1);
    list.unshift(failure);
    if (list.length > PER_PROJECT) list.length = PER_PROJECT;
    this.byProject.set(project, list);
  }

  list(project: string): SignatureFailure[] {
    return [...(this.byProject.get(project) ?? [])];
  }
}
