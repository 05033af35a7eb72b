import { useState } from 'preact/hooks';
import { api } from '../api';
import { can } from '../roles';
import type { CacheStats, Me, Project } from '../types';
import { ErrorNote, Notice, When, bytes, useAction, useLoad } from '../ui';

export function CacheTab({ me, project }: { me: Me; project: Project }) {
  const base = `/projects/${encodeURIComponent(project.name)}/cache`;
  const stats = useLoad(() => api<CacheStats>('GET', `${base}/stats`), [base]);
  const [run, error] = useAction();
  const [done, setDone] = useState('');
  const s = stats.data;
  return (
    <section aria-label="Cache">
      <ErrorNote error={stats.error ?? error} />
      {done && <Notice>{done}</Notice>}
      {s && (
        <dl class="facts">
          <dt>Repositories</dt><dd>{s.repositories}</dd>
          <dt>Manifests</dt><dd>{s.manifests}</dd>
          <dt>Blobs</dt><dd>{s.blobs} ({bytes(s.blobBytes)})</dd>
          <dt>Quota</dt><dd>{s.quota ? `${s.quota.usedPercent}% of ${bytes(s.quota.maxBytes)}` : 'none'}</dd>
          <dt>Retention</dt><dd>{s.retentionDays === null ? 'none' : `${s.retentionDays} days`}</dd>
          <dt>Hits / misses</dt><dd>{s.hits} / {s.misses} <span class="muted">(this process, since it started)</span></dd>
          <dt>Last pull</dt><dd><When at={s.lastPulledAt} /></dd>
        </dl>
      )}
      {can(me, project.name, 'maintainer') && (
        <button
          type="button"
          class="danger"
          onClick={() => {
            if (!confirm(`Forget everything ${project.name} cached from its upstream? Pushed content stays.`)) return;
            void run(async () => {
              const r = await api<{ manifests: number; blobLinks: number }>('POST', `${base}/purge`, {});
              setDone(`Purged ${r.manifests} manifests and ${r.blobLinks} blob links.`);
              stats.reload();
            });
          }}
        >
          Purge the whole cache
        </button>
      )}
    </section>
  );
}
