import { useEffect, useState } from 'preact/hooks';

// Hash routes (`#/projects/hub`): the registry serves one index.html and never sees the route.

export type Route =
  | { page: 'projects' }
  | { page: 'project'; project: string; tab: string }
  | { page: 'repository'; project: string; repository: string }
  | { page: 'artifact'; project: string; repository: string; reference: string }
  | { page: 'audit' }
  | { page: 'users' }
  | { page: 'jobs' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map((p) => decodeURIComponent(p));
  const [first, project, second, repository, third, reference] = parts;
  if (first === 'audit') return { page: 'audit' };
  if (first === 'jobs') return { page: 'jobs' };
  if (first === 'users') return { page: 'users' };
  if (first === 'projects' && project) {
    if (second === 'repositories' && repository) {
      if (third === 'artifacts' && reference) return { page: 'artifact', project, repository, reference };
      return { page: 'repository', project, repository };
    }
    return { page: 'project', project, tab: second || 'repositories' };
  }
  return { page: 'projects' };
}

/** `#/projects/hub/repositories/library%2Fnginx`: each segment encoded, so names keep their slashes. */
export function href(...segments: string[]): string {
  return `#/${segments.map(encodeURIComponent).join('/')}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
