import { useState } from 'preact/hooks';
import { api } from '../api';
import { can } from '../roles';
import type { Me, Member, Role } from '../types';
import { ErrorNote, useAction, useLoad } from '../ui';

const ROLES: Role[] = ['guest', 'developer', 'maintainer', 'admin'];

export function MembersTab({ me, project }: { me: Me; project: string }) {
  const base = `/projects/${encodeURIComponent(project)}/members`;
  const members = useLoad(() => api<{ members: Member[] }>('GET', base), [base]);
  const [run, error] = useAction();
  const [user, setUser] = useState('');
  const [role, setRole] = useState<Role>('developer');
  const admin = can(me, project, 'admin');
  const set = (name: string, r: Role) => run(() => api('PUT', `${base}/${encodeURIComponent(name)}`, { role: r })).then((ok) => ok && members.reload());
  return (
    <section aria-label="Members">
      <ErrorNote error={members.error ?? error} />
      {members.data && (
        <table>
          <thead><tr><th scope="col">User</th><th scope="col">Role</th>{admin && <th scope="col">Actions</th>}</tr></thead>
          <tbody>
            {members.data.members.map((m) => (
              <tr key={m.user}>
                <th scope="row">{m.user}</th>
                <td>
                  {admin ? (
                    <select aria-label={`Role of ${m.user}`} value={m.role} onChange={(e) => void set(m.user, e.currentTarget.value as Role)}>
                      {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                    </select>
                  ) : (
                    m.role
                  )}
                </td>
                {admin && (
                  <td>
                    <button type="button" class="small danger" onClick={() => void run(() => api('DELETE', `${base}/${encodeURIComponent(m.user)}`)).then((ok) => ok && members.reload())}>
                      Remove {m.user}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {admin && (
        <form class="row" aria-label="Add a member" onSubmit={(e) => { e.preventDefault(); void set(user, role).then(() => setUser('')); }}>
          <label>User <input required value={user} onInput={(e) => setUser(e.currentTarget.value)} /></label>
          <label>Role <select value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>{ROLES.map((r) => <option key={r} value={r}>{r}</option>)}</select></label>
          <button type="submit">Add member</button>
        </form>
      )}
    </section>
  );
}
