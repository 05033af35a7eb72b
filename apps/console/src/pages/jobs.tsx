import { api } from '../api';
import type { JobsView } from '../types';
import { ErrorNote, When, useLoad } from '../ui';

export function JobsPage() {
  const jobs = useLoad(() => api<JobsView>('GET', '/jobs'), []);
  const j = jobs.data;
  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Background jobs</h1>
      <ErrorNote error={jobs.error} />
      <button type="button" class="small" onClick={jobs.reload}>Refresh</button>
      {j && !j.enabled && <p>This deployment runs no jobs.</p>}
      {j && j.enabled && (
        <>
          <dl class="facts">
            <dt>Waiting</dt><dd>{j.counts.waiting}</dd>
            <dt>Active</dt><dd>{j.counts.active}</dd>
            <dt>Delayed</dt><dd>{j.counts.delayed} <span class="muted">(periodic jobs wait here between runs)</span></dd>
            <dt>Failed</dt><dd>{j.counts.failed}</dd>
          </dl>
          <h2>Recent failures</h2>
          {j.recentFailures.length === 0 ? <p class="muted">None.</p> : (
            <table>
              <thead><tr><th scope="col">Job</th><th scope="col">Failed</th><th scope="col">Attempts</th><th scope="col">Error</th></tr></thead>
              <tbody>
                {j.recentFailures.map((f) => (
                  <tr key={f.id}><th scope="row">{f.name}</th><td><When at={f.failedAt} /></td><td>{f.attempts}</td><td>{f.error}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
