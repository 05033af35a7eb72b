import type { MetadataStore, ProjectRow } from '@berth/db';
import { canonicalRepositoryName } from './name-mapping.js';
import { proxySettingsOf } from './proxy-settings.js';

export interface MergedRepository {
  project: string;
  from: string;
  into: string;
}

/**
 * Fold every repository of a proxy project that is kept under another name than its canonical one
 * (`hub/nginx` beside `hub/library/nginx`, from before names were canonical, or after a change of
 * the project's name mapping) into the canonical repository. Run at every start, after the
 * configured projects are applied, and after a project's settings change; a no-op when every name
 * is canonical.
 */
export async function mergeAliasRepositories(metadata: MetadataStore, only?: ProjectRow): Promise<MergedRepository[]> {
  const merged: MergedRepository[] = [];
  const projects = only !== undefined ? [only] : await metadata.listProjects();
  for (const project of projects) {
    if (project.kind !== 'proxy') continue;
    let settings;
    try {
      settings = proxySettingsOf(project);
    } catch {
      continue; // a proxy row without usable settings serves nothing; its names are left alone
    }
    for (const name of await metadata.projectRepositoryNames(project.id)) {
      const canonical = canonicalRepositoryName(project, settings, name);
      if (canonical === name) continue;
      if (await metadata.mergeRepositoryInto(project.id, name, canonical)) merged.push({ project: project.name, from: name, into: canonical });
    }
  }
  return merged;
}
