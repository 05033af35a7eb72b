import { useState } from 'preact/hooks';
import { api, repoSegment } from '../api';
import { can } from '../roles';
import { href } from '../router';
import type { Me, Project, Tag } from '../types';
import { Badge, ErrorNote, Notice, When, bytes, shortDigest, useAction, useLoad } from '../ui';
import { PullHelp } from './pull-help';

export function RepositoryPage({ me, project, repository }: { me: Me; project: string; repository: string }) {
  const base = `/projects/${encodeURIComponent(project)}/repositories/${repoSegment(repository)}`;
  const [last, setLast] = useState<string[]>([]);
  const p = useLoad(() => api<Project>('GET', `/projects/${encodeURIComponent(project)}`), [project]);
  const tags = useLoad(() => api<{ tags: Tag[]; next: string | null }>('GET', `${base}/tags?limit=100${last.length ? `&last=${encodeURIComponent(last.at(-1)!)}` : ''}`), [base, last.at(-1)]);
  const [run, error] = useAction();
  const [done, setDone] = useState('');
  const maintainer = can(me, project, 'maintainer');
  const full = `${project}/${repository}`;
  return (
    <section aria-labelledby="repo-title">
      <p class="crumbs">
        <a href="#/">Projects</a> / <a href={href('projects', project)}>{project}</a> /
      </p>
      <h1 id="repo-title">{full}</h1>
      {p.data && <PullHelp project={p.data} repository={full} reference={tags.data?.tags[0]?.name ?? 'latest'} />}
      <ErrorNote error={tags.error ?? error} />
      {done && <Notice>{done}</Notice>}
      {tags.data && tags.data.tags.length === 0 && <p class="muted">No tags.</p>}
      {tags.data && tags.data.tags.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Tag</th>
              <th scope="col">Digest</th>
              <th scope="col">Type</th>
              <th scope="col">Platforms</th>
              <th scope="col">Size</th>
              <th scope="col">Source</th>
              <th scope="col">Last pull</th>
              {maintainer && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {tags.data.tags.map((t) => (
              <tr key={t.name}>
                <th scope="row">
                  <a href={href('projects', project, 'repositories', repository, 'artifacts', t.name)}>{t.name}</a>
                </th>
                <td><code title={t.digest}>{shortDigest(t.digest)}</code></td>
                <td>{t.artifactType && t.kind !== 'index' && !t.artifactType.includes('image.config') && !t.artifactType.includes('container.image') ? t.artifactType : t.kind}</td>
                <td>{t.platforms.join(', ') || <span class="muted">—</span>}</td>
                <td>{bytes(t.sizeBytes)}</td>
                <td><Badge kind={t.source}>{t.source}</Badge></td>
                <td><When at={t.lastPulledAt} /></td>
                {maintainer && (
                  <td>
                    <button type="button" class="small danger" onClick={() => {
                      if (!confirm(`Delete tag ${t.name}${t.source === 'cached' ? ' (the cached copy; the next pull fetches it again)' : ''}?`)) return;
                      void run(async () => {
                        await api('DELETE', `${base}/tags/${encodeURIComponent(t.name)}`);
                        setDone(`Deleted tag ${t.name}.`);
                        tags.reload();
                      });
                    }}>
                      Delete {t.name}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="pager">
        {last.length > 0 && <button type="button" onClick={() => setLast(last.slice(0, -1))}>Previous</button>}
        {tags.data?.next && <button type="button" onClick={() => setLast([...last, tags.data!.next!])}>Next</button>}
      </div>
    </section>
  );
}
