import type { AccountStore } from './account-store.js';
import type { Database } from './database.js';
import * as audit from './queries/audit.js';
import * as members from './queries/members.js';
import * as robots from './queries/robots.js';
import * as signingKeys from './queries/signing-keys.js';
import * as users from './queries/users.js';

/** The AccountStore over a drizzle database of either driver (the metadata store's own). */
export function createDrizzleAccountStore(db: Database): AccountStore {
  return {
    getUser: (name) => users.getUser(db, name),
    createUser: (user) => users.createUser(db, user),
    ensureUser: (user) => users.ensureUser(db, user),
    listUsers: () => users.listUsers(db),
    updateUser: (name, patch) => users.updateUser(db, name, patch),
    deleteUser: (name) => users.deleteUser(db, name),
    countUserUnlock: (name) => users.countUserUnlock(db, name),

    listUserMemberships: (userId) => members.listUserMemberships(db, userId),
    listProjectMembers: (projectId) => members.listProjectMembers(db, projectId),
    setMember: (projectId, userId, role) => members.setMember(db, projectId, userId, role),
    removeMember: (projectId, userId) => members.removeMember(db, projectId, userId),

    createRobot: (robot) => robots.createRobot(db, robot),
    getRobot: (projectName, name) => robots.getRobot(db, projectName, name),
    listRobots: (projectId) => robots.listRobots(db, projectId),
    updateRobot: (projectId, name, patch) => robots.updateRobot(db, projectId, name, patch),
    deleteRobot: (projectId, name) => robots.deleteRobot(db, projectId, name),
    countRobotUnlock: (projectId, name) => robots.countRobotUnlock(db, projectId, name),

    recordAudit: (event) => audit.recordAudit(db, event),
    listAudit: (page) => audit.listAudit(db, page),

    ensureSigningKey: (candidate) => signingKeys.ensureSigningKey(db, candidate),
  };
}
