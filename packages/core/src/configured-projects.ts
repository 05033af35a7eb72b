import type { ProjectConfig } from '@berth/config';
import type { MetadataStore, ProjectRow } from '@berth/db';
import { projectView } from './admin/admin-views.js';
import { AuditTrail } from './admin/audit-trail.js';
import { sameSettings, storedProjectSettings } from './admin/project-settings.js';
import { proxySettingsOf } from './proxy/proxy-settings.js';
import type { SecretSealer } from './proxy/sealed-secrets.js';

/**
 * Create or update the projects declared in configuration (configuration as code). Upstream
 * credentials are sealed before they reach the database; a CA file is read in once. A project
 * whose stored state already matches is left alone; every creation or change is audited as
 * `project.apply` by `config`.
 */
export async function applyConfiguredProjects(
  metadata: MetadataStore,
  projects: readonly ProjectConfig[],
  sealer?: SecretSealer,
): Promise<void> {
  const audit = new AuditTrail(metadata.accounts);
  for (const project of projects) {
    const before = await metadata.getProject(project.name);
    const previous = before?.kind === 'proxy' ? upstreamOf(before) : undefined;
    const settings = await storedProjectSettings(project, { ...(sealer !== undefined ? { sealer } : {}), ...(previous !== undefined ? { previous } : {}) });
    if (before !== null && before.kind === project.kind && before.public === project.public && sameSettings(before.settings, settings)) continue;
    const after = await metadata.upsertProject(project.name, project.kind, settings, { public: project.public });
    const afterView = projectView(after, sealer);
    const credentialsChanged = previous !== undefined && previous.sealedCredentials !== upstreamOf(after)?.sealedCredentials;
    await audit.record(
      'config',
      'project.apply',
      `project:${project.name}`,
      before === null ? null : projectView(before, sealer),
      credentialsChanged ? { ...afterView, upstreamCredentials: 'changed' } : afterView,
    );
  }
}

function upstreamOf(row: ProjectRow) {
  try {
    return row.kind === 'proxy' ? proxySettingsOf(row).upstream : undefined;
  } catch {
    return undefined; // a proxy row without an upstream: replaced as a whole
  }
}
