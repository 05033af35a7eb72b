import { useState } from 'preact/hooks';
import { api } from '../api';
import { href } from '../router';
import { ErrorNote, useAction } from '../ui';

/** A hosted project, or a proxy project of an upstream registry (system administrators). */
export function NewProjectForm({ onCreated }: { onCreated: () => void }) {
  const [run, error, busy] = useAction();
  const [kind, setKind] = useState<'hosted' | 'proxy'>('hosted');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('https://registry-1.docker.io');
  const [ns, setNs] = useState('');
  const [isPublic, setPublic] = useState(false);
  return (
    <details class="new-project">
      <summary>New project</summary>
      <form
        class="row"
        aria-label="New project"
        onSubmit={(e) => {
          e.preventDefault();
          const body = kind === 'hosted'
            ? { kind, name, public: isPublic }
            : { kind, name, public: isPublic, upstream: { url }, ...(ns.trim() ? { ns: ns.split(/[\s,]+/).filter(Boolean) } : {}) };
          void run(() => api('POST', '/projects', body)).then((ok) => {
            if (!ok) return;
            onCreated();
            location.hash = href('projects', name);
          });
        }}
      >
        <label>
          Kind{' '}
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as 'hosted' | 'proxy')}>
            <option value="hosted">hosted</option>
            <option value="proxy">proxy (pull-through cache)</option>
          </select>
        </label>
        <label>Name <input required value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
        {kind === 'proxy' && (
          <>
            <label>Upstream URL <input type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} /></label>
            <label>Mirror of (ns, optional) <input placeholder="docker.io" value={ns} onInput={(e) => setNs(e.currentTarget.value)} /></label>
          </>
        )}
        <label class="inline"><input type="checkbox" checked={isPublic} onChange={(e) => setPublic(e.currentTarget.checked)} /> Public</label>
        <button type="submit" disabled={busy}>Create project</button>
      </form>
      <ErrorNote error={error} />
    </details>
  );
}
