import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, currentSession, logout, onSessionChange, type Session } from './api';
import { ArtifactPage } from './pages/artifact';
import { AuditPage } from './pages/audit';
import { JobsPage } from './pages/jobs';
import { LoginPage } from './pages/login';
import { ProjectPage } from './pages/project';
import { ProjectsPage } from './pages/projects';
import { RepositoryPage } from './pages/repository';
import { UsersPage } from './pages/users';
import { href, useRoute } from './router';
import type { Me } from './types';
import { ErrorNote, useLoad } from './ui';
import './style.css';

function App() {
  const [session, setSession] = useState<Session | null>(currentSession);
  useEffect(() => onSessionChange(setSession), []);
  if (session === null) return <LoginPage />;
  return <Signed session={session} />;
}

function Signed({ session }: { session: Session }) {
  const route = useRoute();
  const me = useLoad(() => api<Me>('GET', '/me'), [session.user]);
  // Focus the main region after navigation so keyboard users start at the new page.
  useEffect(() => document.getElementById('main')?.focus(), [route.page]);
  return (
    <>
      <header>
        <nav aria-label="Main">
          <a class="brand" href="#/">Berth</a>
          <a href="#/" aria-current={route.page === 'projects' ? 'page' : undefined}>Projects</a>
          {me.data?.admin && (
            <>
              <a href={href('users')} aria-current={route.page === 'users' ? 'page' : undefined}>Users</a>
              <a href={href('audit')} aria-current={route.page === 'audit' ? 'page' : undefined}>Audit log</a>
              <a href={href('jobs')} aria-current={route.page === 'jobs' ? 'page' : undefined}>Jobs</a>
            </>
          )}
        </nav>
        <div class="account">
          <span>{session.user}</span>
          <button type="button" class="small" onClick={logout}>Log out</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <ErrorNote error={me.error} />
        {me.data && <Page me={me.data} route={route} />}
      </main>
    </>
  );
}

function Page({ me, route }: { me: Me; route: ReturnType<typeof useRoute> }) {
  switch (route.page) {
    case 'projects':
      return <ProjectsPage me={me} />;
    case 'project':
      return <ProjectPage me={me} project={route.project} tab={route.tab} />;
    case 'repository':
      return <RepositoryPage me={me} project={route.project} repository={route.repository} />;
    case 'artifact':
      return <ArtifactPage project={route.project} repository={route.repository} reference={route.reference} />;
    case 'audit':
      return <AuditPage />;
    case 'jobs':
      return <JobsPage />;
    case 'users':
      return <UsersPage me={me} />;
  }
}

render(<App />, document.getElementById('app')!);
