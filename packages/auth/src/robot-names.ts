/**
 * Robot account names: `robot$<project>+<name>`, the form Harbor uses, so a robot's account name
 * says which project it belongs to and can never collide with a user name (user names have no '$').
 */
import { isRepositoryName } from '@berth/oci';

const ROBOT_PREFIX = 'robot$';
const ROBOT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
export const MAX_ROBOT_NAME_LENGTH = 64;

/** A robot's short name (`ci` in `robot$library+ci`). */
export function isValidRobotName(name: string): boolean {
  return typeof name === 'string' && name.length <= MAX_ROBOT_NAME_LENGTH && ROBOT_NAME.test(name);
}

/** A project name is one repository path component. */
function isProjectName(project: string): boolean {
  return isRepositoryName(project) && !project.includes('/');
}

/** The account name of robot `name` in `project`; throws when either part is not valid. */
export function robotAccountName(project: string, name: string): string {
  if (!isProjectName(project)) throw new Error(`invalid project name for a robot account: "${project}"`);
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
  if (!isProjectName(project) || !isValidRobotName(name)) return null;
  return { project, name };
}
