import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { hasProjectRole, type Principal } from '@berth/auth';
import { configuredUpstreams, projectSchema, upstreamNameOf, type ProjectConfig, type UpstreamConfig } from '@berth/config';
import { AlreadyExistsError, type ProjectRow } from '@berth/db';
import { proxySettingsOf, type ProxyUpstreamSettings } from '../proxy/proxy-settings.js';
import { maySeeProject, projectFor, requireCaller, requireSystemAdmin } from './admin-access.js';
import type { AdminDeps } from './admin-deps.js';
import { AdminError, invalidInput, parseInput } from './admin-errors.js';
import { projectCreateSchema, projectPatchSchema } from './admin-schemas.js';
import { projectView, type ProjectView, type SignatureFailureView } from './admin-views.js';
import type { AuditTrail } from './audit-trail.js';
import { hostedInputOf, proxyInputOf, storedProjectSettings, type SettingsOptions } from './project-settings.js';
import { mergeAliasRepositories } from '../proxy/merge-alias-repositories.js';

/** Projects: list and get (whoever may see them), create (system admin), update (maintainer), delete (project admin). */
export class ProjectAdmin {
  constructor(
    private readonly deps: AdminDeps,
    private readonly audit: AuditTrail,
  ) {}

  /** Public projects and the caller's own; every project for a system admin. */
  async list(principal: Principal): Promise<{ projects: ProjectView[] }> {
    const caller = requireCaller(principal);
    const rows = await this.deps.metadata.listProjects();
    return { projects: rows.filter((row) => maySeeProject(caller, row)).map((row) => this.view(row)) };
  }

  async get(principal: Principal, name: string): Promise<ProjectView> {
    return this.view(await projectFor(this.deps.metadata, principal, name));
  }

  async create(principal: Principal, body: unknown): Promise<ProjectView> {
    const caller = requireSystemAdmin(principal);
    const input = parseInput(projectCreateSchema, body);
    await this.assertNsFree(input, null);
    this.assertSealable(input);
    const settings = await storedProjectSettings(input, this.settingsOptions());
    let row: ProjectRow;
    try {
      row = await this.deps.metadata.createProject(input.name, input.kind, settings, { public: input.public });
    } catch (error) {
      if (error instanceof AlreadyExistsError) throw new AdminError('CONFLICT', `project ${input.name} already exists`, { project: input.name });
      throw error;
    }
    const view = this.view(row);
    await this.audit.record(caller, 'project.create', `project:${row.name}`, null, view);
    await this.deps.proxy?.forgetProject(row.id);
    return view;
  }

  /**
   * Top-level fields given replace the stored ones. An `upstream` replaces the whole upstream, but
   * keeps the stored credentials when it names none and its URL is unchanged. `upstreams` replaces
   * the whole list (adding, removing, reordering, changing upstreams): an upstream that names no
   * credentials keeps those stored for the upstream of the same name and URL. Sending one of
   * `upstream` / `upstreams` drops the other (a project has one form or the other).
   */
  async update(principal: Principal, name: string, body: unknown): Promise<ProjectView> {
    const caller = requireCaller(principal);
    const row = await projectFor(this.deps.metadata, caller, name, 'maintainer');
    const patch = presentFields(parseInput(projectPatchSchema, body), body);
    this.assertManagedByApi(row, Object.keys(patch));
    // Which signers a project trusts decides what its pull-only users get: like its members, the admin role's call.
    if (patch.signaturePolicy !== undefined && !hasProjectRole(caller, row.name, 'admin')) {
      throw new AdminError('DENIED', `changing the signature policy needs the admin role in project ${row.name}`, { project: row.name, role: 'admin' });
    }
    if (row.kind === 'hosted') {
      const foreign = Object.keys(patch).filter((key) => key !== 'public' && key !== 'signaturePolicy');
      if (foreign.length > 0) throw invalidInput(foreign.map((field) => ({ field, message: 'not a setting of a hosted project' })));
    }
    const base: Record<string, unknown> = row.kind === 'hosted' ? hostedInputOf(row) : proxyInputOf(row);
    if (patch.upstream !== undefined) delete base.upstreams;
    if (patch.upstreams !== undefined) delete base.upstream;
    const input = parseInput(projectSchema, { ...base, ...patch });
    await this.assertNsFree(input, row.id);
    this.assertSealable(input);
    const storedUpstreams = row.kind === 'proxy' ? proxySettingsOf(row).upstreams : undefined;
    const settings = await storedProjectSettings(input, this.settingsOptions(storedUpstreams));
    if (input.kind === 'proxy' && storedUpstreams !== undefined) {
      const sent = patch.upstream !== undefined || patch.upstreams !== undefined;
      if (!sent) {
        // Kept exactly as stored (credentials, CA), in the form stored.
        delete settings.upstream;
        delete settings.upstreams;
        const stored = row.settings as Record<string, unknown>;
        if (stored.upstreams !== undefined) settings.upstreams = stored.upstreams;
        else settings.upstream = stored.upstream;
      } else if (settings.upstreams !== undefined) {
        settings.upstreams = (settings.upstreams as ProxyUpstreamSettings[]).map((built, index) => keptUpstream(configuredUpstreams(input)[index]!, storedUpstreams, built));
      } else {
        settings.upstream = keptUpstream(configuredUpstreams(input)[0]!, storedUpstreams, settings.upstream as ProxyUpstreamSettings);
      }
    }
    const updated = await this.deps.metadata.updateProject(row.name, { settings, public: input.public });
    if (updated === null) throw new AdminError('NOT_FOUND', `project ${name} not found`, { project: name });
    const after = this.view(updated);
    const credentialsChanged = sealedOf(updated) !== sealedOf(row);
    await this.audit.record(caller, 'project.update', `project:${row.name}`, this.view(row), credentialsChanged ? { ...after, upstreamCredentials: 'changed' } : after);
    // A new name mapping or upstream may give repositories another canonical name.
    await mergeAliasRepositories(this.deps.metadata, updated);
    await this.deps.proxy?.forgetProject(row.id);
    return after;
  }

  /**
   * The images this process refused (enforce) or served with a failed check (audit) under the
   * project's signature policy, newest first, with each signature's failure. Per process: every
   * replica keeps its own; the log and the `berth_signature_verdicts_total` metric cover them all.
   */
  async signatureFailures(principal: Principal, name: string): Promise<{ failures: SignatureFailureView[] }> {
    const row = await projectFor(this.deps.metadata, principal, name);
    const failures = this.deps.signatures?.failures.list(row.name) ?? [];
    return { failures: failures.map((f) => ({ ...f, at: f.at.toISOString() })) };
  }

  /** Deletes the project with its repositories, members and robots (blob bytes stay for garbage collection). */
  async remove(principal: Principal, name: string): Promise<void> {
    const caller = requireCaller(principal);
    const row = await projectFor(this.deps.metadata, caller, name, 'admin');
    this.assertManagedByApi(row, 'delete');
    if (!(await this.deps.metadata.deleteProject(row.name))) throw new AdminError('NOT_FOUND', `project ${name} not found`, { project: name });
    await this.audit.record(caller, 'project.delete', `project:${row.name}`, this.view(row), null);
    await this.deps.proxy?.forgetProject(row.id);
  }

  private view(row: ProjectRow): ProjectView {
    return projectView(row, this.deps.sealer, this.deps.projectsDeclaredIn);
  }

  /**
   * A project declared in configuration is configured there only: every replica applies the same
   * file at start, so a change through the API would be undone (or differ between replicas).
   * `change` is the fields the caller tried to change, or `delete`.
   */
  private assertManagedByApi(row: ProjectRow, change: string[] | 'delete'): void {
    if (row.managedBy !== 'configuration') return;
    const source = this.deps.projectsDeclaredIn ?? 'the configuration';
    const what =
      change === 'delete' ? 'remove it there first to delete it through the API' : change.length === 0 ? 'change its settings there' : `change ${change.join(', ')} there`;
    throw new AdminError('CONFLICT', `project ${row.name} is declared in ${source}: ${what}`, {
      project: row.name,
      managedBy: 'configuration',
      declaredIn: source,
      ...(change !== 'delete' ? { settings: change } : {}),
    });
  }

  private settingsOptions(previous?: ProxyUpstreamSettings[]): SettingsOptions {
    const { sealer } = this.deps;
    return { readCaFile: readCaFileForApi, ...(sealer !== undefined ? { sealer } : {}), ...(previous !== undefined ? { previous } : {}) };
  }

  /** Credentials are stored only sealed: without a secrets key they are refused (400, not a 500). */
  private assertSealable(input: ProjectConfig): void {
    if (this.deps.sealer !== undefined || input.kind !== 'proxy') return;
    const fields = configuredUpstreams(input).flatMap((upstream, index) => {
      const at = input.upstreams !== undefined ? `upstreams.${index}` : 'upstream';
      return upstream.token !== undefined ? [`${at}.token`] : upstream.password !== undefined ? [`${at}.password`] : [];
    });
    if (fields.length > 0) throw invalidInput(fields.map((field) => ({ field, message: 'cannot be stored: the server has no secrets key (secrets.key) to seal credentials with' })));
  }

  /** Each `ns` host routes to one project. */
  private async assertNsFree(input: ProjectConfig, selfId: number | null): Promise<void> {
    if (input.kind !== 'proxy' || input.ns.length === 0) return;
    for (const other of await this.deps.metadata.listProjects()) {
      if (other.id === selfId || other.kind !== 'proxy') continue;
      const taken = proxySettingsOf(other).ns.filter((host) => input.ns.includes(host));
      if (taken.length > 0) throw new AdminError('CONFLICT', `ns ${taken.join(', ')} already routes to project ${other.name}`, { ns: taken, project: other.name });
    }
  }
}

/** The fields the client sent, as validated (zod fills in defaults for absent ones; those are dropped). */
function presentFields<T extends Record<string, unknown>>(parsed: T, body: unknown): Partial<T> {
  const sent = typeof body === 'object' && body !== null ? Object.keys(body) : [];
  return Object.fromEntries(Object.entries(parsed).filter(([key]) => sent.includes(key))) as Partial<T>;
}

/** An upstream sent without credentials keeps those of the stored upstream of the same name and URL. */
function keptUpstream(input: UpstreamConfig, stored: ProxyUpstreamSettings[], built: ProxyUpstreamSettings): ProxyUpstreamSettings {
  const namesCredentials = input.token !== undefined || input.username !== undefined;
  const same = stored.find((candidate) => upstreamNameOf(candidate) === upstreamNameOf(built) && candidate.url === built.url);
  if (!namesCredentials && same?.sealedCredentials !== undefined) return { ...built, sealedCredentials: same.sealedCredentials };
  return built;
}

/** Every upstream's sealed credentials, in order, for the audit's `upstreamCredentials: changed`. */
function sealedOf(row: ProjectRow): string {
  if (row.kind !== 'proxy') return '';
  return JSON.stringify(proxySettingsOf(row).upstreams.map((upstream) => upstream.sealedCredentials ?? null));
}

/** A CA file named through the API: an absolute path to PEM certificates (its content is never shown). */
async function readCaFileForApi(path: string): Promise<string> {
  const field = 'upstream.caFile';
  if (!isAbsolute(path)) throw invalidInput([{ field, message: 'must be an absolute path on the Berth server' }]);
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
    new X509Certificate(pem);
  } catch {
    throw invalidInput([{ field, message: 'cannot be read as a PEM certificate file' }]);
  }
  return pem;
}
