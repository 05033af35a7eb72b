import { basicHeader, describeResult, send, type Credentials, type HttpResult } from './registry-http.js';

// Fixtures through the admin API (/api/v1), called as the administrator with Basic credentials:
// users, project memberships and robot accounts. Each helper fails loudly unless the API agreed.

export type Role = 'guest' | 'developer' | 'maintainer' | 'admin';
export type Permission = 'pull' | 'push' | 'delete';

async function adminCall(base: string, admin: Credentials, method: string, path: string, body?: unknown): Promise<HttpResult> {
  const headers: Record<string, string> = { Authorization: basicHeader(admin) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return send(base, method, `/api/v1${path}`, { headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

async function expectStatus(result: Promise<HttpResult>, status: number, what: string): Promise<HttpResult> {
  const answer = await result;
  if (answer.status !== status) throw new Error(`${what}: expected ${status}, got ${describeResult(answer)}`);
  return answer;
}

/** Create a (non-admin unless asked) user; the credentials it logs in with. */
export async function createUser(base: string, admin: Credentials, name: string, options: { admin?: boolean } = {}): Promise<Credentials> {
  const password = `${name}-password-1`;
  await expectStatus(adminCall(base, admin, 'POST', '/users', { name, password, admin: options.admin ?? false }), 201, `creating user ${name}`);
  return { username: name, password };
}

export async function updateUser(base: string, admin: Credentials, name: string, patch: { disabled?: boolean; admin?: boolean; password?: string }): Promise<void> {
  await expectStatus(adminCall(base, admin, 'PATCH', `/users/${name}`, patch), 200, `updating user ${name}`);
}

export async function setMember(base: string, admin: Credentials, project: string, user: string, role: Role): Promise<void> {
  await expectStatus(adminCall(base, admin, 'PUT', `/projects/${project}/members/${user}`, { role }), 200, `making ${user} ${role} of ${project}`);
}

/** Create a robot account; its login name (`robot$<project>+<name>`) and the secret shown once. */
export async function createRobot(
  base: string,
  admin: Credentials,
  project: string,
  name: string,
  options: { permissions?: Permission[]; expiresAt?: string } = {},
): Promise<Credentials> {
  const body = { name, permissions: options.permissions ?? ['pull'], ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}) };
  const answer = await expectStatus(adminCall(base, admin, 'POST', `/projects/${project}/robots`, body), 201, `creating robot ${name} in ${project}`);
  const robot = answer.json<{ name: string; secret: string }>();
  return { username: robot.name, password: robot.secret };
}

export async function updateRobot(base: string, admin: Credentials, project: string, name: string, patch: { disabled?: boolean; permissions?: Permission[] }): Promise<void> {
  await expectStatus(adminCall(base, admin, 'PATCH', `/projects/${project}/robots/${name}`, patch), 200, `updating robot ${name} in ${project}`);
}
