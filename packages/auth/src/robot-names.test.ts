import { describe, it, expect } from '@jest/globals';
import { MAX_ROBOT_NAME_LENGTH, isValidRobotName, parseRobotAccount, robotAccountName } from './robot-names.js';

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
