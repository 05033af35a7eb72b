import { describe, it, expect } from '@jest/globals';
import { MAX_ROBOT_NAME_LENGTH, isValidProjectName, isValidRobotName, isValidUserName, parseRobotAccount, robotAccountName } from './robot-names.js';

describe('robot names', () => {
  it.each(['ci', 'a', '0', 'deploy-bot', 'ci.main', 'ci_2', 'a'.repeat(MAX_ROBOT_NAME_LENGTH)])('accepts %s', (name) => {
    expect(isValidRobotName(name)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['uppercase', 'CI'],
    ['leading separator', '-ci'],
    ['trailing separator', 'ci.'],
    ['double separator', 'ci--x'],
    ['a plus', 'c+i'],
    ['a dollar', 'c$i'],
    ['a slash', 'c/i'],
    ['too long', 'a'.repeat(MAX_ROBOT_NAME_LENGTH + 1)],
  ])('rejects %s', (_case, name) => {
    expect(isValidRobotName(name)).toBe(false);
  });
});

describe('user and project names', () => {
  it('accepts the user names the configuration and the admin API accept', () => {
    for (const name of ['admin', 'ci', 'alice.b', 'a_b-c', 'a'.repeat(64)]) expect(isValidUserName(name)).toBe(true);
  });

  it('rejects names no user can have: a NUL, empty, one character, upper case, a robot account, too long', () => {
    for (const name of ['\u0000', '', 'a', 'Admin', 'robot$p+ci', 'a\u0000b', 'a'.repeat(65)]) expect(isValidUserName(name)).toBe(false);
  });

  it('accepts one path component as a project name, nothing else', () => {
    expect(isValidProjectName('library')).toBe(true);
    expect(isValidProjectName('my__proj')).toBe(true);
    for (const name of ['\u0000', '', 'a/b', 'Lib', '.x']) expect(isValidProjectName(name)).toBe(false);
  });
});

describe('robotAccountName', () => {
  it('joins project and name', () => {
    expect(robotAccountName('library', 'ci')).toBe('robot$library+ci');
  });

  it('refuses an invalid robot name or project', () => {
    expect(() => robotAccountName('library', 'Bad')).toThrow('invalid robot name "Bad"');
    expect(() => robotAccountName('a/b', 'ci')).toThrow('invalid project name');
    expect(() => robotAccountName('', 'ci')).toThrow('invalid project name');
  });
});

describe('parseRobotAccount', () => {
  it('reads back what robotAccountName wrote', () => {
    expect(parseRobotAccount(robotAccountName('my-team.x', 'deploy_1'))).toEqual({ project: 'my-team.x', name: 'deploy_1' });
  });

  it.each([
    ['a user name', 'alice'],
    ['no plus', 'robot$library'],
    ['two pluses', 'robot$library+ci+x'],
    ['an empty project', 'robot$+ci'],
    ['an empty name', 'robot$library+'],
    ['a bad project', 'robot$Library+ci'],
    ['a nested project', 'robot$a/b+ci'],
    ['a bad name', 'robot$library+-ci'],
    ['another prefix', 'robots$library+ci'],
  ])('returns null for %s', (_case, account) => {
    expect(parseRobotAccount(account)).toBeNull();
  });
});
