import { OciError, assertRepositoryName, projectOf } from '@berth/oci';
import type { MetadataStore, ProjectRow, RepositoryRow } from '@berth/db';
import { assertPushAllowed, type ProxyPush } from './proxy/push-policy.js';
import { proxySettingsOf } from './proxy/proxy-settings.js';
import type { CoreSettings } from './settings.js';

export interface ResolvedRepository {
  project: ProjectRow;
  repository: RepositoryRow;
}

/**
 * Maps a repository name to its project and repository rows. Reads never create anything;
 * writes create the repository (and, when allowed, a hosted project) on first use.
 */
export class RepositoryResolver {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly settings: Pick<CoreSettings, 'autoCreateProjects'>,
  ) {}

  /** The repository, or NAME_UNKNOWN when it has never been pushed to. */
  async forRead(name: string): Promise<RepositoryRow> {
    const repository = await this.find(name);
    if (repository === null) throw new OciError('NAME_UNKNOWN', `repository ${name} is not known to this registry`, { detail: { name } });
    return repository;
  }

  /** The repository when it exists, else null (after validating the name). */
  async find(name: string): Promise<RepositoryRow | null> {
    assertRepositoryName(name);
    return this.metadata.getRepository(name);
  }

  /**
   * Project and repository for a push, created on demand. Proxy projects take only what their
   * push policy admits (`push` describes what is pushed; a blob when omitted).
   */
  async forWrite(name: string, push: ProxyPush = { kind: 'blob' }): Promise<ResolvedRepository> {
    assertRepositoryName(name);
    const projectName = projectOf(name);
    let project = await this.metadata.getProject(projectName);
    if (project === null) {
      if (!this.settings.autoCreateProjects) {
        throw new OciError('NAME_UNKNOWN', `project ${projectName} does not exist and autoCreateProjects is off`, {
          detail: { project: projectName },
        });
      }
      project = await this.metadata.ensureProject(projectName, 'hosted', {});
    }
    if (project.kind === 'proxy') assertPushAllowed(project.name, proxySettingsOf(project).pushPolicy, push);
    const repository = await this.metadata.ensureRepository(project.id, name);
    return { project, repository };
  }
}
