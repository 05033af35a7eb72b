import { api } from '../api';
import { can } from '../roles';
import { href } from '../router';
import type { CacheStats, Me, Project } from '../types';
import { Badge, ErrorNote, Switch, bytes, useAction, useLoad } from '../ui';
import { NewProjectForm } from './new-project';

export function ProjectsPage({ me }: { me: Me }) {
  const projects = useLoad(() => api<{ projects: Project[] }>('GET', '/projects'), []);
  const [run, error] = useAction();
  return (
    <section aria-labelledby="projects-title">
      <h1 id="projects-title">Projects</h1>
      <ErrorNote error={projects.error ?? error} />
      {me.admin && <NewProjectForm onCreated={projects.reload} />}
      {projects.data && (
        <table>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Kind</th>
              <th scope="col">Visibility</th>
              <th scope="col">Upstream</th>
              <th scope="col">Upstream referrers</th>
              <th scope="col">Storage</th>
            </tr>
          </thead>
          <tbody>
            {projects.data.projects.map((p) => (
              <tr key={p.name}>
                <th scope="row">
                  <a href={href('projects', p.name)}>{p.name}</a>
                  {p.managedBy && <Badge kind="managed">managed by {p.managedBy}</Badge>}
                </th>
                <td>{p.kind}</td>
                <td>{p.public ? 'public' : 'private'}</td>
                <td>{p.upstream?.url ?? <span class="muted">—</span>}</td>
                <td>
                  {p.kind === 'proxy' ? (
                    <Switch
                      label={`Merge upstream referrers in ${p.name}`}
                      checked={p.referrersProxy === true}
                      disabled={!can(me, p.name, 'maintainer')}
                      onChange={(on) => void run(() => api('PATCH', `/projects/${encodeURIComponent(p.name)}`, { referrersProxy: on })).then(projects.reload)}
                    />
                  ) : (
                    <span class="muted">—</span>
                  )}
                </td>
                <td>
                  <Usage project={p.name} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Usage({ project }: { project: string }) {
  const stats = useLoad(() => api<CacheStats>('GET', `/projects/${encodeURIComponent(project)}/cache/stats`), [project]);
  if (!stats.data) return <span class="muted">…</span>;
  const { blobBytes, quota } = stats.data;
  if (quota === null) return <span>{bytes(blobBytes)}</span>;
  return (
    <span>
      <meter min={0} max={100} value={quota.usedPercent} aria-label={`${project} quota use`} /> {bytes(blobBytes)} of {bytes(quota.maxBytes)} ({quota.usedPercent}%)
    </span>
  );
}
