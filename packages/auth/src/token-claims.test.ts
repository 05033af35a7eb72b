import { describe, it, expect } from '@jest/globals';
import { readAccessClaim, readSubject } from './token-claims.js';
import { TokenInvalidError } from './types.js';

function rejection(run: () => unknown): TokenInvalidError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenInvalidError);
    return error as TokenInvalidError;
  }
  throw new Error('expected a TokenInvalidError');
}

describe('readSubject', () => {
  it('reads the three kinds', () => {
    expect(readSubject('anonymous', '')).toEqual({ kind: 'anonymous', name: '' });
    expect(readSubject('user', 'alice')).toEqual({ kind: 'user', name: 'alice' });
    expect(readSubject('robot', 'robot$p+ci')).toEqual({ kind: 'robot', name: 'robot$p+ci' });
  });

  it('reads the credential stamp of an account', () => {
    expect(readSubject('user', 'alice', 'stamp-1')).toEqual({ kind: 'user', name: 'alice', credentialStamp: 'stamp-1' });
  });

  it.each([
    ['an empty stamp', 'user', 'alice', ''],
    ['a numeric stamp', 'robot', 'robot$p+ci', 3],
    ['a stamp on an anonymous token', 'anonymous', '', 'stamp-1'],
  ])('refuses %s', (_case, kind, sub, stamp) => {
    const error = rejection(() => readSubject(kind, sub, stamp));
    expect(error.reason).toBe('malformed');
    expect(error.message).toContain('credential stamp');
  });

  it.each([
    ['an unknown kind', 'admin', 'alice', 'unknown subject kind "admin"'],
    ['a missing kind', undefined, 'alice', 'unknown subject kind null'],
    ['a non-string sub', 'user', 42, 'not a string'],
    ['a named anonymous', 'anonymous', 'alice', 'anonymous token with subject "alice"'],
    ['a nameless user', 'user', '', 'user token with subject ""'],
  ])('refuses %s', (_case, kind, sub, message) => {
    const error = rejection(() => readSubject(kind, sub));
    expect(error.reason).toBe('malformed');
    expect(error.message).toContain(message);
  });
});

describe('readAccessClaim', () => {
  it('reads repository and registry entries, including empty grants', () => {
    const claim = [
      { type: 'repository', name: 'a/b', actions: ['pull', 'push'] },
      { type: 'repository', name: 'a/c', actions: [] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ];
    expect(readAccessClaim(claim)).toEqual(claim);
    expect(readAccessClaim([])).toEqual([]);
  });

  it.each([
    ['a missing claim', undefined, 'missing or not an array'],
    ['an object claim', { type: 'repository' }, 'missing or not an array'],
    ['a non-object entry', ['repository:a:pull'], 'access[0] is not an object'],
    ['an unknown type', [{ type: 'plugin', name: 'a', actions: [] }], 'unknown type "plugin"'],
    ['no name', [{ type: 'repository', actions: [] }], 'access[0] has no name'],
    ['actions not an array', [{ type: 'repository', name: 'a', actions: 'pull' }], 'not an array'],
    ['an unknown repository action', [{ type: 'repository', name: 'a', actions: ['*'] }], 'unknown repository action "*"'],
    ['a repository action on the registry', [{ type: 'registry', name: 'catalog', actions: ['pull'] }], 'unknown registry action'],
  ])('refuses %s', (_case, value, message) => {
    const error = rejection(() => readAccessClaim(value));
    expect(error.reason).toBe('malformed');
    expect(error.message).toContain(message);
  });
});
