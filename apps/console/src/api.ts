// The admin API from the browser: a login at /token (OAuth2 password grant) gives an access token
// and a refresh token, kept in sessionStorage (this tab only, gone when it closes). Every call
// carries `Authorization: Bearer`; no cookie is used, so no request can be forged from another site.

export interface Session {
  user: string;
  access: string;
  refresh?: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const KEY = 'berth.session';
const listeners = new Set<(session: Session | null) => void>();

export function currentSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw === null ? null : (JSON.parse(raw) as Session);
  } catch {
    return null;
  }
}

function store(session: Session | null): void {
  if (session === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, JSON.stringify(session));
  for (const listener of listeners) listener(session);
}

export function onSessionChange(listener: (session: Session | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
}

async function tokenRequest(form: Record<string, string>): Promise<TokenAnswer> {
  const response = await fetch('/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as TokenAnswer;
}

export async function login(user: string, password: string): Promise<void> {
  const answer = await tokenRequest({ grant_type: 'password', username: user, password });
  store({ user, access: answer.access_token, ...(answer.refresh_token ? { refresh: answer.refresh_token } : {}), expiresAt: Date.now() + answer.expires_in * 1000 });
}

export function logout(): void {
  store(null);
}

let refreshing: Promise<Session | null> | undefined;

/** The session, with its access token renewed when it is about to expire. */
async function freshSession(): Promise<Session | null> {
  const session = currentSession();
  if (session === null || session.expiresAt - Date.now() > 30_000) return session;
  if (session.refresh === undefined) return session;
  refreshing ??= tokenRequest({ grant_type: 'refresh_token', refresh_token: session.refresh })
    .then((answer) => {
      const next = { ...session, access: answer.access_token, expiresAt: Date.now() + answer.expires_in * 1000 };
      store(next);
      return next;
    })
    .catch(() => {
      store(null);
      return null;
    })
    .finally(() => {
      refreshing = undefined;
    });
  return refreshing;
}

/** One admin API call; rejects with ApiError carrying the server's message (shown to the user). */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const session = await freshSession();
  const headers: Record<string, string> = {};
  if (session !== null) headers.Authorization = `Bearer ${session.access}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`/api/v1${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (response.status === 401 && session !== null) store(null);
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = 'ERROR';
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { errors?: Array<{ code?: string; message?: string }> };
    const first = body.errors?.[0];
    if (first?.code) code = first.code;
    if (first?.message) message = first.message;
  } catch {
    // Not JSON: the status line is the message.
  }
  return new ApiError(response.status, code, message);
}

/** A repository's name within its project as a path segment: `library/nginx` → `library%2Fnginx`. */
export const repoSegment = (path: string): string => encodeURIComponent(path);
