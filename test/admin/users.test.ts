import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { BerthUnderTest } from '../harness/berth.js';
import { ADMIN, AdminApi, errorOf, startBerthWithAuth, type Account } from './api.js';
import { createUser } from './fixtures.js';

// Users through the admin API: system administrators manage them, a user changes their own
// password, and nobody can delete or demote the bootstrapped administrator (or themself).

let berth: BerthUnderTest;
let api: AdminApi;

beforeAll(async () => {
  berth = await startBerthWithAuth();
  api = new AdminApi(berth.url);
});

afterAll(async () => {
  await berth?.stop();
});

describe('users', () => {
  it('creates, lists and gets users; never shows a password or its hash', async () => {
    const created = await api.expect(201, 'POST', '/users', { as: ADMIN, body: { name: 'alice', password: 'alice-password-1' } });
    expect(created).toMatchObject({ name: 'alice', admin: false, disabled: false });
    expect(Object.keys(created).sort()).toEqual(['admin', 'createdAt', 'disabled', 'name', 'updatedAt']);
    const { users } = await api.expect<{ users: Array<{ name: string }> }>(200, 'GET', '/users', { as: ADMIN });
    expect(users.map((u) => u.name)).toEqual(['admin', 'alice']);
    await api.expect(201, 'POST', '/projects', { as: ADMIN, body: { kind: 'hosted', name: 'apps' } });
    await api.expect(200, 'PUT', '/projects/apps/members/alice', { as: ADMIN, body: { role: 'developer' } });
    expect(await api.expect(200, 'GET', '/users/alice', { as: ADMIN })).toMatchObject({ name: 'alice', memberships: [{ project: 'apps', role: 'developer' }] });
    const me = await api.expect(200, 'GET', '/me', { as: { name: 'alice', password: 'alice-password-1' } });
    expect(me).toEqual({ name: 'alice', kind: 'user', admin: false, memberships: [{ project: 'apps', role: 'developer' }] });
    const text = JSON.stringify([created, users, await api.expect(200, 'GET', '/audit', { as: ADMIN })]);
    expect(text).not.toContain('alice-password-1');
    expect(text).not.toContain('scrypt$');
  });

  it('validates names and passwords, and refuses duplicates', async () => {
    const bad = await api.call('POST', '/users', { as: ADMIN, body: { name: 'Not Valid', password: 'short', admin: 'yes' } });
    expect(bad.status).toBe(400);
    expect((errorOf(bad).detail as Array<{ field: string }>).map((p) => p.field).sort()).toEqual(['admin', 'name', 'password']);
    expect(errorOf(await api.call('POST', '/users', { as: ADMIN, body: { name: 'alice', password: 'another-password' } })).code).toBe('CONFLICT');
  });

  it('lets a user change their own password, and nothing else', async () => {
    const bob = await createUser(api, 'bob');
    await api.expect(200, 'PATCH', '/users/bob', { as: bob, body: { password: 'bob-new-password' } });
    expect((await api.call('GET', '/me', { as: bob })).status).toBe(401);
    const renewed: Account = { name: 'bob', password: 'bob-new-password' };
    await api.expect(200, 'GET', '/me', { as: renewed });
    expect(errorOf(await api.call('PATCH', '/users/bob', { as: renewed, body: { admin: true } })).code).toBe('DENIED');
    expect(errorOf(await api.call('PATCH', '/users/bob', { as: renewed, body: { password: 'x-new-password', admin: true } })).code).toBe('DENIED');
    expect(errorOf(await api.call('PATCH', '/users/alice', { as: renewed, body: { password: 'stolen-password' } })).code).toBe('DENIED');
    const short = await api.call('PATCH', '/users/bob', { as: renewed, body: { password: 'short' } });
    expect(short.status).toBe(400);
  });

  it('disables a user: their credentials stop working until re-enabled', async () => {
    const carol = await createUser(api, 'carol');
    await api.expect(200, 'PATCH', '/users/carol', { as: ADMIN, body: { disabled: true } });
    expect((await api.call('GET', '/me', { as: carol })).status).toBe(401);
    await api.expect(200, 'PATCH', '/users/carol', { as: ADMIN, body: { disabled: false } });
    await api.expect(200, 'GET', '/me', { as: carol });
  });

  it('protects the bootstrapped administrator and callers from locking themselves out (409)', async () => {
    const root2 = await createUser(api, 'root2', true);
    for (const as of [ADMIN, root2]) {
      expect(errorOf(await api.call('PATCH', '/users/admin', { as, body: { admin: false } })).code).toBe('CONFLICT');
      expect(errorOf(await api.call('PATCH', '/users/admin', { as, body: { disabled: true } })).code).toBe('CONFLICT');
      expect(errorOf(await api.call('DELETE', '/users/admin', { as })).code).toBe('CONFLICT');
    }
    expect(errorOf(await api.call('DELETE', '/users/root2', { as: root2 })).code).toBe('CONFLICT');
    expect(errorOf(await api.call('PATCH', '/users/root2', { as: root2, body: { admin: false } })).code).toBe('CONFLICT');
    expect(await api.expect(200, 'GET', '/me', { as: ADMIN })).toMatchObject({ name: 'admin', admin: true });
    // The administrator may still change its own password.
    await api.expect(200, 'PATCH', '/users/admin', { as: ADMIN, body: { password: ADMIN.password } });
    // Another administrator may demote and delete root2.
    await api.expect(200, 'PATCH', '/users/root2', { as: ADMIN, body: { admin: false } });
    await api.expect(204, 'DELETE', '/users/root2', { as: ADMIN });
  });

  it('deletes a user with their memberships', async () => {
    await api.expect(204, 'DELETE', '/users/alice', { as: ADMIN });
    expect(errorOf(await api.call('GET', '/users/alice', { as: ADMIN })).code).toBe('NOT_FOUND');
    const { members } = await api.expect<{ members: unknown[] }>(200, 'GET', '/projects/apps/members', { as: ADMIN });
    expect(members).toEqual([]);
    expect(errorOf(await api.call('PUT', '/projects/apps/members/alice', { as: ADMIN, body: { role: 'guest' } })).code).toBe('NOT_FOUND');
  });
});
