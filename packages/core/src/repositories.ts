import { OciError, assertRepositoryName, projectOf } from '@berth/oci';
import { AlreadyExistsError, type MetadataStore, type ProjectRow, type RepositoryRow } from '@berth/db';
import type { Actor, RegistryAudit } from './audit/registry-audit.js';
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
    private readonly audit?: RegistryAudit,
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
   * push policy admits (`push` describes what is pushed; a blob when omitted). A project created
   * here is audited as `project.create` by `actor`.
   */
  async forWrite(name: string, actor: Actor, push: ProxyPush = { kind: 'blob' }): Promise<ResolvedRepository> {
    assertRepositoryName(name);
    const projectName = projectOf(name);
    let project = await this.metadata.getProject(projectName);
    if (project === null) {
      if (!this.settings.autoCreateProjects) {
        throw new OciError('NAME_UNKNOWN', `project ${projectName} does not exist and autoCreateProjects is off`, {
          detail: { project: projectName },
        });
      }
      project = await this.createOnPush(projectName, name, actor);
    }
    if (project.kind === 'proxy') assertPushAllowed(project.name, proxySettingsOf(project).pushPolicy, push);
    const repository = await this.metadata.ensureRepository(project.id, name);
    return { project, repository };
  }

  /** Exactly one of concurrent first pushes creates the project (and audits it); the others read it. */
  private async createOnPush(projectName: string, repository: string, actor: Actor): Promise<ProjectRow> {
    let created: ProjectRow;
    try {
      created = await this.metadata.createProject(projectName, 'hosted', {}, { public: false });
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      const existing = await this.metadata.getProject(projectName);
      if (existing === null) throw new Error(`project ${projectName} vanished while being created`, { cause: error });
      return existing;
    }
    await this.audit?.projectEvent(actor, 'project.create', projectName, { kind: 'hosted', public: false, createdBy: 'push', repository });
    return created;
  }
}
