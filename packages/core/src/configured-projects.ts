import { ConfigError, type ProjectConfig } from '@berth/config';
import type { MetadataStore, ProjectRow } from '@berth/db';
import { projectView } from './admin/admin-views.js';
import { AuditTrail } from './admin/audit-trail.js';
import { sameSettings, storedProjectSettings } from './admin/project-settings.js';
import { settingChanges } from './configured-project-changes.js';
import { proxySettingsOf, type ProxyUpstreamSettings } from './proxy/proxy-settings.js';
import type { SecretSealer } from './proxy/sealed-secrets.js';

export interface StartLogger {
  info(fields: Record<string, unknown>, message: string): void;
}

export interface ConfiguredProjectsOptions {
  sealer?: SecretSealer;
  /** Where `projects` is declared (the configuration file, or BERTH_PROJECTS); named in errors and logs. */
  declaredIn?: string;
  logger?: StartLogger;
}

/**
 * Configuration as code: the projects declared in configuration are created or updated at start,
 * and owned by it (`managedBy: configuration`; the admin API refuses to change them). A project the
 * admin API or a push created is taken over when it appears in the configuration; one the
 * configuration owned and no longer declares goes back to the API. A declared kind that differs
 * from the stored one is a ConfigError, found before anything is written. Upstream credentials
 * are sealed before they reach the database; a CA file is read in once. A project whose stored
 * state already matches is left alone; every change is logged (one line per setting, secrets only
 * as `changed`) and audited as `project.apply` (or `project.release`) by `config`.
 */
export async function applyConfiguredProjects(metadata: MetadataStore, projects: readonly ProjectConfig[], options: ConfiguredProjectsOptions = {}): Promise<void> {
  const stored = new Map((await metadata.listProjects()).map((row) => [row.name, row]));
  assertKindsUnchanged(projects, stored, options.declaredIn);
  const audit = new AuditTrail(metadata.accounts);
  for (const project of projects) await applyOne(metadata, audit, project, stored.get(project.name) ?? null, options);
  const declared = new Set(projects.map((project) => project.name));
  for (const row of stored.values()) {
    if (row.managedBy !== 'configuration' || declared.has(row.name)) continue;
    const released = await metadata.updateProject(row.name, { managedBy: 'api' });
    if (released === null) continue;
    options.logger?.info({ project: row.name }, `project ${row.name} is no longer declared in the configuration: the admin API manages it now`);
    await audit.record('config', 'project.release', `project:${row.name}`, projectView(row, options.sealer), projectView(released, options.sealer));
  }
}

async function applyOne(metadata: MetadataStore, audit: AuditTrail, project: ProjectConfig, before: ProjectRow | null, options: ConfiguredProjectsOptions): Promise<void> {
  const { sealer, logger, declaredIn } = options;
  const previous = before?.kind === 'proxy' ? upstreamOf(before) : undefined;
  const settings = await storedProjectSettings(project, { ...(sealer !== undefined ? { sealer } : {}), ...(previous !== undefined ? { previous } : {}) });
  const unchanged = before !== null && before.public === project.public && sameSettings(before.settings, settings);
  if (unchanged && before.managedBy === 'configuration') return;
  const after = await metadata.upsertProject(project.name, project.kind, settings, { public: project.public });
  const where = declaredIn !== undefined ? { declaredIn } : {};
  if (before === null) {
    logger?.info({ project: project.name, kind: project.kind, ...where }, `configuration creates project ${project.name}`);
  } else {
    if (before.managedBy !== 'configuration') logger?.info({ project: project.name, ...where }, `configuration takes over project ${project.name} (it was managed by the admin API)`);
    for (const change of settingChanges({ row: before, view: projectView(before, sealer) }, { row: after, view: projectView(after, sealer) })) {
      logger?.info({ project: project.name, ...change }, `configuration changes ${change.setting} of project ${project.name}`);
    }
  }
  const afterView = projectView(after, sealer);
  const credentialsChanged = previous !== undefined && sealedCredentialsOf(previous) !== sealedCredentialsOf(upstreamOf(after) ?? []);
  await audit.record(
    'config',
    'project.apply',
    `project:${project.name}`,
    before === null ? null : projectView(before, sealer),
    credentialsChanged ? { ...afterView, upstreamCredentials: 'changed' } : afterView,
  );
}

/** Changing a project's kind would reinterpret its stored content (a hosted project's images served as a public cache): refused. */
function assertKindsUnchanged(projects: readonly ProjectConfig[], stored: ReadonlyMap<string, ProjectRow>, declaredIn: string | undefined): void {
  const problems = projects.flatMap((project, index) => {
    const row = stored.get(project.name);
    if (row === undefined || row.kind === project.kind) return [];
    const source = declaredIn ?? 'the configuration';
    return [
      {
        path: `projects[${index}].kind`,
        message:
          `project ${project.name} is a ${row.kind} project, but ${source} declares it ${project.kind}; ` +
          `a project's kind cannot change (declare it ${row.kind}, or choose another name)`,
      },
    ];
  });
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The sealed credentials of a list of upstreams, in order, as one comparable string. */
function sealedCredentialsOf(upstreams: ProxyUpstreamSettings[]): string {
  return JSON.stringify(upstreams.map((upstream) => upstream.sealedCredentials ?? null));
}

function upstreamOf(row: ProjectRow): ProxyUpstreamSettings[] | undefined {
  try {
    return row.kind === 'proxy' ? proxySettingsOf(row).upstreams : undefined;
  } catch {
    return undefined; // a proxy row without an upstream: replaced as a whole
  }
}
