import { useState } from 'preact/hooks';
import { api } from '../api';
import type { AuditEvent } from '../types';
import { ErrorNote, When, useAction, useLoad } from '../ui';

const ACTIONS = [
  'project.create', 'project.update', 'project.delete', 'project.apply',
  'member.set', 'member.remove',
  'robot.create', 'robot.update', 'robot.delete', 'robot.secret',
  'cache.purge', 'tag.delete', 'repository.delete',
  'user.create', 'user.update', 'user.delete',
];
const PAGE = 100;

/** The audit trail, newest first; the filters are the API's (`actor`, `action`, `target`). */
export function AuditPage() {
  const [filters, setFilters] = useState({ actor: '', action: '', target: '' });
  const [draft, setDraft] = useState(filters);
  const query = (before?: number) => {
    const params = new URLSearchParams({ limit: String(PAGE) });
    for (const [key, value] of Object.entries(filters)) if (value !== '') params.set(key, value);
    if (before !== undefined) params.set('before', String(before));
    return `/audit?${params.toString()}`;
  };
  const first = useLoad(() => api<{ events: AuditEvent[] }>('GET', query()), [filters.actor, filters.action, filters.target]);
  const [older, setOlder] = useState<{ key: string; events: AuditEvent[]; done: boolean }>({ key: '', events: [], done: false });
  const key = JSON.stringify(filters);
  const more = older.key === key ? older : { key, events: [], done: false };
  const [run, error] = useAction();
  const events = [...(first.data?.events ?? []), ...more.events];
  const oldest = events.at(-1)?.id;
  const exhausted = more.done || (first.data !== undefined && first.data.events.length < PAGE);
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form
        class="row"
        aria-label="Filter events"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ actor: draft.actor.trim(), action: draft.action, target: draft.target.trim() });
        }}
      >
        <label>Actor <input type="search" value={draft.actor} onInput={(e) => setDraft({ ...draft, actor: e.currentTarget.value })} /></label>
        <label>
          Action{' '}
          <select value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.currentTarget.value })}>
            <option value="">any</option>
            {ACTIONS.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </label>
        <label>Target contains <input type="search" value={draft.target} onInput={(e) => setDraft({ ...draft, target: e.currentTarget.value })} /></label>
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={first.error ?? error} />
      {first.data && events.length === 0 && <p class="muted">No events.</p>}
      {events.length > 0 && (
        <table>
          <thead><tr><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Change</th></tr></thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td><When at={e.at} /></td>
                <td>{e.actor}</td>
                <td><code>{e.action}</code></td>
                <td>{e.target}</td>
                <td>
                  <details><summary>before / after</summary><pre>{JSON.stringify({ before: e.before, after: e.after }, null, 2)}</pre></details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {oldest !== undefined && !exhausted && (
        <button type="button" onClick={() => void run(async () => {
          const page = await api<{ events: AuditEvent[] }>('GET', query(oldest));
          setOlder({ key, events: [...more.events, ...page.events], done: page.events.length < PAGE });
        })}>Load older events</button>
      )}
    </section>
  );
}
