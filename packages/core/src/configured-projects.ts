import type { MetadataStore, ProjectKind } from '@berth/db';

export interface ConfiguredProject {
  name: string;
  kind: ProjectKind;
  settings?: Record<string, unknown>;
}

/** Create or update the projects declared in configuration (configuration as code). */
export async function applyConfiguredProjects(metadata: MetadataStore, projects: readonly ConfiguredProject[]): Promise<void> {
  for (const project of projects) {
    await metadata.upsertProject(project.name, project.kind, project.settings ?? {});
  }
}
