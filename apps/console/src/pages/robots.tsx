import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { can } from '../roles';
import type { Me, Robot } from '../types';
import { Badge, CopyButton, ErrorNote, When, useAction, useLoad } from '../ui';

type Permission = 'pull' | 'push' | 'delete';

export function RobotsTab({ me, project }: { me: Me; project: string }) {
  const base = `/projects/${encodeURIComponent(project)}/robots`;
  const robots = useLoad(() => api<{ robots: Robot[] }>('GET', base), [base]);
  const [run, error] = useAction();
  const [name, setName] = useState('');
  const [permissions, setPermissions] = useState<Permission[]>(['pull']);
  const [expiresAt, setExpiresAt] = useState('');
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const admin = can(me, project, 'admin');
  const short = (full: string) => full.slice(full.indexOf('+') + 1);
  return (
    <section aria-label="Robot accounts">
      <ErrorNote error={robots.error ?? error} />
      {robots.data && robots.data.robots.length === 0 && <p class="muted">No robot accounts.</p>}
      {robots.data && robots.data.robots.length > 0 && (
        <table>
          <thead><tr><th scope="col">Account</th><th scope="col">Permissions</th><th scope="col">Expires</th><th scope="col">State</th>{admin && <th scope="col">Actions</th>}</tr></thead>
          <tbody>
            {robots.data.robots.map((r) => (
              <tr key={r.name}>
                <th scope="row"><code>{r.name}</code>{r.description && <div class="muted">{r.description}</div>}</th>
                <td>{r.permissions.join(', ')}</td>
                <td><When at={r.expiresAt} /></td>
                <td>{r.disabled ? <Badge kind="off">disabled</Badge> : <Badge kind="on">active</Badge>}</td>
                {admin && (
                  <td class="actions">
                    <button type="button" class="small" onClick={() => void run(async () => setSecret(await api<{ name: string; secret: string }>('POST', `${base}/${short(r.name)}/secret`)))}>New secret</button>
                    <button type="button" class="small" onClick={() => void run(() => api('PATCH', `${base}/${short(r.name)}`, { disabled: !r.disabled })).then(robots.reload)}>{r.disabled ? 'Enable' : 'Disable'}</button>
                    <button type="button" class="small danger" onClick={() => confirm(`Delete ${r.name}?`) && void run(() => api('DELETE', `${base}/${short(r.name)}`)).then(robots.reload)}>Delete</button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {admin && (
        <form
          class="row"
          aria-label="New robot account"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              const body = { name, permissions, ...(expiresAt ? { expiresAt: new Date(expiresAt).toISOString() } : {}) };
              setSecret(await api<{ name: string; secret: string }>('POST', base, body));
              setName('');
              robots.reload();
            });
          }}
        >
          <label>Name <input required value={name} pattern="[a-z0-9]+([._\-][a-z0-9]+)*" onInput={(e) => setName(e.currentTarget.value)} /></label>
          <fieldset>
            <legend>Permissions</legend>
            {(['pull', 'push', 'delete'] as const).map((p) => (
              <label key={p} class="inline">
                <input type="checkbox" checked={permissions.includes(p)} onChange={(e) => setPermissions(e.currentTarget.checked ? [...permissions, p] : permissions.filter((x) => x !== p))} /> {p}
              </label>
            ))}
          </fieldset>
          <label>Expires (optional) <input type="date" value={expiresAt} onInput={(e) => setExpiresAt(e.currentTarget.value)} /></label>
          <button type="submit">Create robot account</button>
        </form>
      )}
      {secret && <SecretDialog account={secret.name} secret={secret.secret} onClose={() => setSecret(null)} />}
    </section>
  );
}

/** The secret, shown this once, with the matching `docker login` line. */
function SecretDialog({ account, secret, onClose }: { account: string; secret: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const login = `echo '${secret}' | docker login ${location.host} -u '${account}' --password-stdin`;
  return (
    <dialog ref={ref} aria-labelledby="secret-title" onClose={onClose}>
      <h2 id="secret-title">Secret of {account}</h2>
      <p><strong>Copy it now: it is shown only this once.</strong></p>
      <p><code id="robot-secret" class="secret">{secret}</code> <CopyButton text={secret} label="Copy secret" /></p>
      <pre>{login}</pre>
      <CopyButton text={login} label="Copy docker login" />
      <form method="dialog"><button type="submit">Done</button></form>
    </dialog>
  );
}
