import { useState } from 'preact/hooks';
import { api } from '../api';
import type { Me } from '../types';
import { Badge, ErrorNote, When, useAction, useLoad } from '../ui';

interface User {
  name: string;
  admin: boolean;
  disabled: boolean;
  createdAt: string;
}

/** Users (system administrators): create, make admin, disable, delete. */
export function UsersPage({ me }: { me: Me }) {
  const users = useLoad(() => api<{ users: User[] }>('GET', '/users'), []);
  const [run, error] = useAction();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [admin, setAdmin] = useState(false);
  const patch = (user: string, body: Record<string, unknown>) => run(() => api('PATCH', `/users/${encodeURIComponent(user)}`, body)).then(users.reload);
  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <ErrorNote error={users.error ?? error} />
      {users.data && (
        <table>
          <thead><tr><th scope="col">User</th><th scope="col">Created</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {users.data.users.map((u) => (
              <tr key={u.name}>
                <th scope="row">{u.name}{u.admin && <Badge kind="on">system admin</Badge>}</th>
                <td><When at={u.createdAt} /></td>
                <td>{u.disabled ? <Badge kind="off">disabled</Badge> : <Badge kind="on">active</Badge>}</td>
                <td class="actions">
                  {u.name !== me.name && (
                    <>
                      <button type="button" class="small" onClick={() => void patch(u.name, { admin: !u.admin })}>{u.admin ? `Revoke admin of ${u.name}` : `Make ${u.name} admin`}</button>
                      <button type="button" class="small" onClick={() => void patch(u.name, { disabled: !u.disabled })}>{u.disabled ? 'Enable' : 'Disable'}</button>
                      <button type="button" class="small danger" onClick={() => confirm(`Delete user ${u.name}?`) && void run(() => api('DELETE', `/users/${encodeURIComponent(u.name)}`)).then(users.reload)}>Delete</button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        class="row"
        aria-label="New user"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => api('POST', '/users', { name, password, admin })).then((ok) => {
            if (!ok) return;
            setName('');
            setPassword('');
            setAdmin(false);
            users.reload();
          });
        }}
      >
        <label>Name <input required autoComplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
        <label>Password <input required type="password" minLength={8} autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} /></label>
        <label class="inline"><input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.currentTarget.checked)} /> System administrator</label>
        <button type="submit">Create user</button>
      </form>
    </section>
  );
}
