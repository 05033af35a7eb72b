import { useState } from 'preact/hooks';
import { api, repoSegment } from '../api';
import { can } from '../roles';
import { href } from '../router';
import type { Me, Project, Repository } from '../types';
import { ErrorNote, Notice, When, bytes, useAction, useLoad } from '../ui';
import { PullHelp } from './pull-help';

const PAGE = 50;

export function RepositoriesTab({ me, project }: { me: Me; project: Project }) {
  const [filter, setFilter] = useState('');
  const [cursor, setCursor] = useState<string[]>([]);
  const last = cursor.at(-1);
  const base = `/projects/${encodeURIComponent(project.name)}/repositories`;
  const list = useLoad(
    () => api<{ repositories: Repository[]; next: string | null }>('GET', `${base}?limit=${PAGE}${filter ? `&q=${encodeURIComponent(filter)}` : ''}${last ? `&last=${encodeURIComponent(last)}` : ''}`),
    [project.name, filter, last],
  );
  const [run, error] = useAction();
  const [done, setDone] = useState('');
  const maintainer = can(me, project.name, 'maintainer');
  return (
    <section aria-label="Repositories">
      <label class="inline">
        Filter by name{' '}
        <input type="search" value={filter} onInput={(e) => { setFilter(e.currentTarget.value); setCursor([]); }} />
      </label>
      <ErrorNote error={list.error ?? error} />
      {done && <Notice>{done}</Notice>}
      {list.data && list.data.repositories.length === 0 && <p class="muted">No repositories{filter ? ' match' : ' yet'}.</p>}
      {list.data && list.data.repositories.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Repository</th>
              <th scope="col">Tags</th>
              <th scope="col">Stored</th>
              <th scope="col">Last push</th>
              {project.kind === 'proxy' && <th scope="col">Last cached</th>}
              <th scope="col">Last pull</th>
              {maintainer && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.data.repositories.map((r) => [
              <tr key={r.name} class="with-detail">
                <th scope="row">
                  <a href={href('projects', project.name, 'repositories', r.path)}>{r.name}</a>
                </th>
                <td>{r.tagCount}</td>
                <td>{bytes(r.sizeBytes)}</td>
                <td><When at={r.lastPushedAt} /></td>
                {project.kind === 'proxy' && <td><When at={r.lastCachedAt} /></td>}
                <td><When at={r.lastPulledAt} /></td>
                {maintainer && (
                  <td class="actions">
                    {project.kind === 'proxy' && (
                      <button type="button" class="small" onClick={() => void run(async () => {
                        const result = await api<{ manifests: number; blobLinks: number }>('POST', `/projects/${encodeURIComponent(project.name)}/cache/purge`, { repository: r.name });
                        setDone(`Purged the cache of ${r.name}: ${result.manifests} manifests, ${result.blobLinks} blob links.`);
                        list.reload();
                      })}>
                        Purge cache
                      </button>
                    )}
                    <button type="button" class="small danger" onClick={() => {
                      if (!confirm(`Delete ${r.name} and everything Berth holds for it?`)) return;
                      void run(async () => {
                        await api('DELETE', `${base}/${repoSegment(r.path)}`);
                        setDone(`Deleted ${r.name}.`);
                        list.reload();
                      });
                    }}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>,
              <tr key={`${r.name} pull`} class="detail">
                <td colSpan={maintainer ? 7 : 6}>
                  <PullHelp project={project} repository={r.name} />
                </td>
              </tr>,
            ])}
          </tbody>
        </table>
      )}
      <div class="pager">
        {cursor.length > 0 && <button type="button" onClick={() => setCursor(cursor.slice(0, -1))}>Previous</button>}
        {list.data?.next && <button type="button" onClick={() => setCursor([...cursor, list.data!.next!])}>Next</button>}
      </div>
    </section>
  );
}
