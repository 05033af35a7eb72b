/**
 * Account names. Robot account names are `robot$<project>+<name>`, the form Harbor uses, so a
 * robot's account name says which project it belongs to and can never collide with a user name
 * (user names have no '$'). A name outside these grammars names no account: logins and the admin
 * API refuse it without asking the database.
 */
import { isRepositoryName } from '@berth/oci';

const ROBOT_PREFIX = 'robot$';
const ROBOT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
export const MAX_ROBOT_NAME_LENGTH = 64;

const USER_NAME = ROBOT_NAME;
const MIN_USER_NAME_LENGTH = 2;
const MAX_USER_NAME_LENGTH = 64;

/**
 * A user name as the configuration and the admin API accept it: lowercase letters and digits in
 * runs separated by single ".", "_" or "-", 2-64 characters.
 */
export function isValidUserName(name: string): boolean {
  return typeof name === 'string' && name.length >= MIN_USER_NAME_LENGTH && name.length <= MAX_USER_NAME_LENGTH && USER_NAME.test(name);
}

/** A robot's short name (`ci` in `robot$library+ci`). */
export function isValidRobotName(name: string): boolean {
  return typeof name === 'string' && name.length <= MAX_ROBOT_NAME_LENGTH && ROBOT_NAME.test(name);
}

/** A project name is one repository path component. */
export function isValidProjectName(project: string): boolean {
  return isRepositoryName(project) && !project.includes('/');
}

/** The account name of robot `name` in `project`; throws when either part is not valid. */
export function robotAccountName(project: string, name: string): string {
  if (!isValidProjectName(project)) throw new Error(`invalid project name for a robot account: "${project}"`);
  if (!isValidRobotName(name)) {
    throw new Error(
      `invalid robot name "${name}": lowercase letters and digits separated by ".", "_" or "-", ` +
        `at most ${MAX_ROBOT_NAME_LENGTH} characters`,
    );
  }
  return `${ROBOT_PREFIX}${project}+${name}`;
}

/** The project and short name of a robot account name; null when `account` is not one. */
export function parseRobotAccount(account: string): { project: string; name: string } | null {
  if (typeof account !== 'string' || !account.startsWith(ROBOT_PREFIX)) return null;
  const rest = account.slice(ROBOT_PREFIX.length);
  // Neither part may contain '+', so exactly one '+' separates them.
  const plus = rest.indexOf('+');
  if (plus === -1 || plus !== rest.lastIndexOf('+')) return null;
  const project = rest.slice(0, plus);
  const name = rest.slice(plus + 1);
  if (!isValidProjectName(project) || !isValidRobotName(name)) return null;
  return { project, name };
}
