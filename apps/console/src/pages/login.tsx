import { useState } from 'preact/hooks';
import { login } from '../api';
import { ErrorNote, useAction } from '../ui';

export function LoginPage() {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [run, error, busy] = useAction();
  return (
    <main id="main" class="login">
      <h1>Berth</h1>
      <form
        aria-label="Log in"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => login(user, password));
        }}
      >
        <label>
          User name
          <input name="username" autoComplete="username" required value={user} onInput={(e) => setUser(e.currentTarget.value)} autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>Log in</button>
        <ErrorNote error={error} />
      </form>
      <p class="muted">The same accounts as <code>docker login</code>: users, and robot accounts (<code>robot$project+name</code>).</p>
    </main>
  );
}
