import { useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import type { AuditEvent } from '../types';
import { ErrorNote, When, useAction, useLoad } from '../ui';

/** The audit trail, newest first, pages of 200; the filters apply to the events loaded so far. */
export function AuditPage() {
  const first = useLoad(() => api<{ events: AuditEvent[] }>('GET', '/audit?limit=200'), []);
  const [more, setMore] = useState<AuditEvent[]>([]);
  const [run, error] = useAction();
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [target, setTarget] = useState('');
  const events = useMemo(() => [...(first.data?.events ?? []), ...more], [first.data, more]);
  const shown = events.filter((e) => e.actor.includes(actor) && e.action.includes(action) && e.target.includes(target));
  const actions = [...new Set(events.map((e) => e.action))].sort();
  const oldest = events.at(-1)?.id;
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <ErrorNote error={first.error ?? error} />
      <form class="row" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <label>Actor <input type="search" value={actor} onInput={(e) => setActor(e.currentTarget.value)} /></label>
        <label>
          Action{' '}
          <select value={action} onChange={(e) => setAction(e.currentTarget.value)}>
            <option value="">any</option>
            {actions.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </label>
        <label>Target <input type="search" value={target} onInput={(e) => setTarget(e.currentTarget.value)} /></label>
      </form>
      <table>
        <thead><tr><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Change</th></tr></thead>
        <tbody>
          {shown.map((e) => (
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
      {oldest !== undefined && oldest > 1 && (
        <button type="button" onClick={() => void run(async () => {
          const page = await api<{ events: AuditEvent[] }>('GET', `/audit?limit=200&before=${oldest}`);
          setMore([...more, ...page.events]);
        })}>Load older events</button>
      )}
    </section>
  );
}
