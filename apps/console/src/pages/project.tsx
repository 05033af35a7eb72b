import { api } from '../api';
import { can } from '../roles';
import { href } from '../router';
import type { Me, Project } from '../types';
import { Badge, ErrorNote, useLoad } from '../ui';
import { CacheTab } from './cache';
import { MembersTab } from './members';
import { RepositoriesTab } from './repositories';
import { RobotsTab } from './robots';
import { SettingsTab } from './settings';

export function ProjectPage({ me, project, tab }: { me: Me; project: string; tab: string }) {
  const loaded = useLoad(() => api<Project>('GET', `/projects/${encodeURIComponent(project)}`), [project]);
  const p = loaded.data;
  const tabs: Array<[string, string, boolean]> = [
    ['repositories', 'Repositories', true],
    ['members', 'Members', can(me, project, 'maintainer')],
    ['robots', 'Robot accounts', can(me, project, 'maintainer')],
    ['settings', p?.kind === 'proxy' ? 'Proxy settings' : 'Settings', true],
    ['cache', 'Cache', p?.kind === 'proxy'],
  ];
  return (
    <section aria-labelledby="project-title">
      <p class="crumbs">
        <a href="#/">Projects</a> /
      </p>
      <h1 id="project-title">
        {project} {p && <Badge kind="kind">{p.kind}</Badge>} {p && <Badge kind="kind">{p.public ? 'public' : 'private'}</Badge>}
        {p?.managedBy && <Badge kind="managed">managed by {p.managedBy}</Badge>}
      </h1>
      {p?.upstream && (
        <p class="muted">
          Proxy of <code>{p.upstream.url}</code>
        </p>
      )}
      <ErrorNote error={loaded.error} />
      <nav class="tabs" aria-label="Project sections">
        {tabs
          .filter(([, , shown]) => shown)
          .map(([id, label]) => (
            <a key={id} href={href('projects', project, id)} aria-current={tab === id ? 'page' : undefined}>
              {label}
            </a>
          ))}
      </nav>
      {p && tab === 'repositories' && <RepositoriesTab me={me} project={p} />}
      {p && tab === 'members' && <MembersTab me={me} project={project} />}
      {p && tab === 'robots' && <RobotsTab me={me} project={project} />}
      {p && tab === 'settings' && <SettingsTab me={me} project={p} onSaved={loaded.reload} />}
      {p && tab === 'cache' && <CacheTab me={me} project={p} />}
    </section>
  );
}
