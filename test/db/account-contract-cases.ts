import { randomBytes } from 'node:crypto';
import { describe, it, expect } from '@jest/globals';
import { AlreadyExistsError, type MemberRole, type MetadataStore, type NewRobot, type RobotPermission } from '@berth/db';
import { byteOrder } from './fixtures.js';

/** Users, memberships, robots, audit and signing-key cases of the MetadataStore contract. */
export function registerAccountCases(getStore: () => MetadataStore): void {
  const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;
  const newUser = (name: string, admin = false) => ({ name, passwordHash: `hash-of-${name}`, admin });

  describe('users', () => {
    it('creates, reads, updates and deletes; a taken name is AlreadyExistsError', async () => {
      const { accounts } = getStore();
      const name = unique('alice');
      expect(await accounts.getUser(name)).toBeNull();
      const created = await accounts.createUser(newUser(name, true));
      expect(created).toMatchObject({ name, passwordHash: `hash-of-${name}`, admin: true, disabled: false });
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(await accounts.getUser(name)).toEqual(created);

      const duplicate = accounts.createUser(newUser(name));
      await expect(duplicate).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(duplicate).rejects.toThrow(`user ${name} already exists`);

      const updated = await accounts.updateUser(name, { disabled: true, passwordHash: 'new-hash' });
      expect(updated).toMatchObject({ id: created.id, name, passwordHash: 'new-hash', admin: true, disabled: true });
      expect(updated?.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
      expect(await accounts.updateUser(name, {})).toMatchObject({ passwordHash: 'new-hash', admin: true, disabled: true });
      expect(await accounts.updateUser(unique('nobody'), { admin: true })).toBeNull();

      expect(await accounts.deleteUser(name)).toBe(true);
      expect(await accounts.deleteUser(name)).toBe(false);
      expect(await accounts.getUser(name)).toBeNull();
    });

    it('replace the credential stamp with a new password or when disabled, not for other changes', async () => {
      const { accounts } = getStore();
      const name = unique('stamped');
      const created = await accounts.createUser(newUser(name));
      expect(created.credentialStamp.length).toBeGreaterThanOrEqual(16);
      const stampAfter = async (patch: Parameters<typeof accounts.updateUser>[1]) => (await accounts.updateUser(name, patch))?.credentialStamp;
      expect(await stampAfter({ admin: true, disabled: false })).toBe(created.credentialStamp);
      expect(await stampAfter({})).toBe(created.credentialStamp);
      const afterPassword = await stampAfter({ passwordHash: 'new-hash' });
      expect(afterPassword).not.toBe(created.credentialStamp);
      const afterDisable = await stampAfter({ disabled: true });
      expect(afterDisable).not.toBe(afterPassword);
      expect(await stampAfter({ disabled: false })).toBe(afterDisable);
      expect((await accounts.createUser(newUser(unique('other')))).credentialStamp).not.toBe(created.credentialStamp);
    });

    it('count unlocks of their failed-login locks, concurrent ones too', async () => {
      const { accounts } = getStore();
      const name = unique('unlocked');
      const created = await accounts.createUser(newUser(name));
      expect(created.loginUnlocks).toBe(0);
      const counts = await Promise.all(Array.from({ length: 4 }, () => accounts.countUserUnlock(name)));
      expect([...counts].sort()).toEqual([1, 2, 3, 4]);
      const after = await accounts.getUser(name);
      expect(after).toMatchObject({ loginUnlocks: 4, credentialStamp: created.credentialStamp, passwordHash: created.passwordHash });
      expect(await accounts.countUserUnlock(unique('nobody'))).toBeNull();
    });

    it('of concurrent creates of one name exactly one succeeds', async () => {
      const { accounts } = getStore();
      const name = unique('racer');
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => accounts.createUser(newUser(name))));
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(AlreadyExistsError);
      }
    });

    it('ensureUser creates once and never overwrites an existing user', async () => {
      const { accounts } = getStore();
      const name = unique('bootstrap');
      const first = await accounts.ensureUser(newUser(name, true));
      expect(first.created).toBe(true);
      const again = await accounts.ensureUser({ name, passwordHash: 'other-hash', admin: false });
      expect(again).toEqual({ user: first.user, created: false });

      const racing = unique('bootstrap-race');
      const results = await Promise.all(Array.from({ length: 8 }, () => accounts.ensureUser(newUser(racing))));
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.user.id)).size).toBe(1);
    });

    it('listUsers is in byte-wise name order', async () => {
      const { accounts } = getStore();
      const prefix = unique('list');
      for (const suffix of ['b', 'B', 'a_', 'a']) await accounts.createUser(newUser(`${prefix}-${suffix}`));
      const names = (await accounts.listUsers()).map((user) => user.name);
      expect(names).toEqual([...names].sort(byteOrder));
      expect(names.filter((name) => name.startsWith(prefix))).toEqual(['B', 'a', 'a_', 'b'].map((s) => `${prefix}-${s}`));
    });
  });

  describe('memberships', () => {
    it('sets, changes and removes members; lists them by user and by project', async () => {
      const store = getStore();
      const { accounts } = store;
      const [first, second] = [await store.ensureProject(unique('team-a'), 'hosted', {}), await store.ensureProject(unique('team-b'), 'hosted', {})];
      const prefix = unique('member');
      const bob = await accounts.createUser(newUser(`${prefix}-bob`));
      const amy = await accounts.createUser(newUser(`${prefix}-amy`));

      expect(await accounts.setMember(first.id, bob.id, 'developer')).toEqual({
        projectId: first.id,
        projectName: first.name,
        userId: bob.id,
        userName: bob.name,
        role: 'developer',
      });
      await accounts.setMember(first.id, amy.id, 'guest');
      await accounts.setMember(second.id, bob.id, 'admin');
      expect((await accounts.setMember(first.id, bob.id, 'maintainer')).role).toBe('maintainer');

      const members = await accounts.listProjectMembers(first.id);
      expect(members.map((m) => [m.userName, m.role])).toEqual([
        [amy.name, 'guest'],
        [bob.name, 'maintainer'],
      ]);
      const memberships = await accounts.listUserMemberships(bob.id);
      expect(memberships.map((m) => [m.projectName, m.role])).toEqual([
        [first.name, 'maintainer'],
        [second.name, 'admin'],
      ]);

      expect(await accounts.removeMember(first.id, bob.id)).toBe(true);
      expect(await accounts.removeMember(first.id, bob.id)).toBe(false);
      expect((await accounts.listProjectMembers(first.id)).map((m) => m.userName)).toEqual([amy.name]);
    });

    it('refuses an unknown role', async () => {
      const store = getStore();
      const project = await store.ensureProject(unique('roles'), 'hosted', {});
      const user = await store.accounts.createUser(newUser(unique('roles')));
      await expect(store.accounts.setMember(project.id, user.id, 'owner' as MemberRole)).rejects.toThrow();
      expect(await store.accounts.listProjectMembers(project.id)).toEqual([]);
    });

    it('go with the user and with the project', async () => {
      const store = getStore();
      const { accounts } = store;
      const kept = await store.ensureProject(unique('kept'), 'hosted', {});
      const doomed = await store.ensureProject(unique('doomed'), 'hosted', {});
      const leaving = await accounts.createUser(newUser(unique('leaving')));
      const staying = await accounts.createUser(newUser(unique('staying')));
      for (const project of [kept, doomed]) {
        await accounts.setMember(project.id, leaving.id, 'developer');
        await accounts.setMember(project.id, staying.id, 'guest');
      }

      expect(await accounts.deleteUser(leaving.name)).toBe(true);
      expect((await accounts.listProjectMembers(kept.id)).map((m) => m.userId)).toEqual([staying.id]);
      expect(await accounts.listUserMemberships(leaving.id)).toEqual([]);

      expect(await store.deleteProject(doomed.name)).toBe(true);
      expect((await accounts.listUserMemberships(staying.id)).map((m) => m.projectName)).toEqual([kept.name]);
    });
  });

  describe('robots', () => {
    const robot = (projectId: number, name: string, permissions: RobotPermission[] = ['pull']): NewRobot => ({
      projectId,
      name,
      description: `robot ${name}`,
      secretHash: `secret-of-${name}`,
      permissions,
      expiresAt: null,
    });

    it('creates, reads, lists, updates and deletes; a taken name in the project is AlreadyExistsError', async () => {
      const store = getStore();
      const { accounts } = store;
      const project = await store.ensureProject(unique('bots'), 'hosted', {});
      const other = await store.ensureProject(unique('bots-other'), 'hosted', {});
      const expiresAt = new Date('2031-05-06T07:08:09.123Z');

      const ci = await accounts.createRobot({ ...robot(project.id, 'ci', ['pull', 'push']), expiresAt });
      expect(ci).toEqual({
        id: expect.any(Number),
        projectId: project.id,
        projectName: project.name,
        name: 'ci',
        description: 'robot ci',
        secretHash: 'secret-of-ci',
        permissions: ['pull', 'push'],
        expiresAt,
        disabled: false,
        credentialStamp: expect.any(String),
        loginUnlocks: 0,
        createdAt: expect.any(Date),
      });
      expect(await accounts.getRobot(project.name, 'ci')).toEqual(ci);
      expect(await accounts.getRobot(other.name, 'ci')).toBeNull();

      const duplicate = accounts.createRobot(robot(project.id, 'ci'));
      await expect(duplicate).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(duplicate).rejects.toThrow(`robot ci already exists in project ${project.name}`);
      expect((await accounts.createRobot(robot(other.id, 'ci'))).projectName).toBe(other.name); // names are per project
      await accounts.createRobot(robot(project.id, 'backup'));
      expect((await accounts.listRobots(project.id)).map((r) => r.name)).toEqual(['backup', 'ci']);

      const updated = await accounts.updateRobot(project.id, 'ci', {
        permissions: ['pull', 'push', 'delete'],
        expiresAt: null,
        disabled: true,
        secretHash: 'rotated',
      });
      expect(updated).toEqual({ ...ci, permissions: ['pull', 'push', 'delete'], expiresAt: null, disabled: true, secretHash: 'rotated', credentialStamp: expect.any(String) });
      expect(await accounts.updateRobot(project.id, 'ci', {})).toEqual(updated);
      expect(await accounts.updateRobot(project.id, 'absent', { disabled: true })).toBeNull();
      expect(await accounts.updateRobot(project.id, 'absent', {})).toBeNull();

      expect(await accounts.deleteRobot(project.id, 'ci')).toBe(true);
      expect(await accounts.deleteRobot(project.id, 'ci')).toBe(false);
      expect(await accounts.getRobot(project.name, 'ci')).toBeNull();
      expect(await accounts.getRobot(other.name, 'ci')).not.toBeNull();
    });

    it('replace the credential stamp with a new secret or when disabled, not for other changes', async () => {
      const store = getStore();
      const { accounts } = store;
      const project = await store.ensureProject(unique('bots-stamp'), 'hosted', {});
      const created = await accounts.createRobot(robot(project.id, 'ci'));
      expect(created.credentialStamp.length).toBeGreaterThanOrEqual(16);
      const stampAfter = async (patch: Parameters<typeof accounts.updateRobot>[2]) => (await accounts.updateRobot(project.id, 'ci', patch))?.credentialStamp;
      expect(await stampAfter({ permissions: ['pull', 'push'], description: 'x', expiresAt: null, disabled: false })).toBe(created.credentialStamp);
      const afterSecret = await stampAfter({ secretHash: 'rotated' });
      expect(afterSecret).not.toBe(created.credentialStamp);
      const afterDisable = await stampAfter({ disabled: true });
      expect(afterDisable).not.toBe(afterSecret);
      expect(await stampAfter({ disabled: false })).toBe(afterDisable);
      // A robot deleted and created again under the same name does not get the old stamp back.
      await accounts.deleteRobot(project.id, 'ci');
      expect((await accounts.createRobot(robot(project.id, 'ci'))).credentialStamp).not.toBe(afterDisable);
    });

    it('count unlocks of their failed-login locks', async () => {
      const store = getStore();
      const project = await store.ensureProject(unique('bots-unlock'), 'hosted', {});
      const created = await store.accounts.createRobot(robot(project.id, 'ci'));
      expect(await store.accounts.countRobotUnlock(project.id, 'ci')).toBe(1);
      expect(await store.accounts.countRobotUnlock(project.id, 'ci')).toBe(2);
      expect(await store.accounts.getRobot(project.name, 'ci')).toEqual({ ...created, loginUnlocks: 2 });
      expect(await store.accounts.countRobotUnlock(project.id, 'absent')).toBeNull();
    });

    it('refuses an unknown permission', async () => {
      const store = getStore();
      const project = await store.ensureProject(unique('bots-perm'), 'hosted', {});
      await expect(store.accounts.createRobot(robot(project.id, 'bad', ['pull', 'admin' as RobotPermission]))).rejects.toThrow();
      expect(await store.accounts.listRobots(project.id)).toEqual([]);
    });

    it('are deleted with their project', async () => {
      const store = getStore();
      const project = await store.ensureProject(unique('bots-gone'), 'hosted', {});
      await store.accounts.createRobot(robot(project.id, 'ci'));
      expect(await store.deleteProject(project.name)).toBe(true);
      expect(await store.accounts.getRobot(project.name, 'ci')).toBeNull();
      expect(await store.accounts.listRobots(project.id)).toEqual([]);
    });
  });

  describe('audit', () => {
    it('records events and lists them newest first, paging backwards', async () => {
      const { accounts } = getStore();
      const actor = unique('auditor');
      const recorded = [];
      for (let i = 0; i < 5; i++) {
        recorded.push(
          await accounts.recordAudit({
            actor,
            action: 'project.update',
            target: `project:p${i}`,
            before: i === 0 ? null : { public: false, n: i },
            after: { public: true, nested: { list: [i, 'ü'] } },
          }),
        );
      }
      expect(recorded[0]).toEqual({
        id: expect.any(Number),
        at: expect.any(Date),
        actor,
        action: 'project.update',
        target: 'project:p0',
        before: null,
        after: { public: true, nested: { list: [0, 'ü'] } },
      });
      const newestFirst = [...recorded].reverse();

      // No other case writes audit events concurrently, so the newest page is this case's.
      const firstPage = await accounts.listAudit({ limit: 3 });
      expect(firstPage).toEqual(newestFirst.slice(0, 3));
      const secondPage = await accounts.listAudit({ limit: 3, beforeId: firstPage[2]!.id });
      expect(secondPage.filter((event) => event.actor === actor)).toEqual(newestFirst.slice(3));
      const ids = [...firstPage, ...secondPage].map((event) => event.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(await accounts.listAudit({ limit: 0 })).toEqual([]);
    });
  });

  describe('signing key', () => {
    it('concurrent callers with different candidates all get the one stored key', async () => {
      const { accounts } = getStore();
      const candidates = Array.from({ length: 4 }, (_, i) => ({ kid: unique(`kid${i}`), privateJwk: `{"k":"${i}"}` }));
      const results = await Promise.all(candidates.map((candidate) => accounts.ensureSigningKey(candidate)));
      const stored = results[0]!;
      expect(candidates).toContainEqual(stored);
      for (const result of results) expect(result).toEqual(stored);
      expect(await accounts.ensureSigningKey({ kid: unique('later'), privateJwk: '{}' })).toEqual(stored);
    });
  });
}
