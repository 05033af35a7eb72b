import { describe, it, expect } from '@jest/globals';
import { formatScope, orderActions, parseScope, parseScopes } from './scopes.js';
import { ScopeError } from './types.js';

function scopeErrorOf(text: string): ScopeError {
  try {
    parseScope(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ScopeError);
    return error as ScopeError;
  }
  throw new Error(`expected parseScope(${JSON.stringify(text)}) to throw`);
}

describe('parseScope', () => {
  it('parses a repository scope', () => {
    expect(parseScope('repository:library/alpine:pull')).toEqual({
      type: 'repository',
      name: 'library/alpine',
      actions: ['pull'],
    });
  });

  it('orders actions pull, push, delete and collapses duplicates', () => {
    expect(parseScope('repository:a/b:delete,pull,push,pull').actions).toEqual(['pull', 'push', 'delete']);
    expect(parseScope('repository:a/b:push,push').actions).toEqual(['push']);
  });

  it('reads * as every repository action', () => {
    expect(parseScope('repository:a/b:*').actions).toEqual(['pull', 'push', 'delete']);
    expect(parseScope('repository:a/b:push,*').actions).toEqual(['pull', 'push', 'delete']);
  });

  it('parses registry:catalog:*', () => {
    expect(parseScope('registry:catalog:*')).toEqual({ type: 'registry', name: 'catalog', actions: ['*'] });
  });

  it.each([
    ['nothing at all', '', 'is not of the form <type>:<name>:<actions>'],
    ['a single colon', 'repository:alpine', 'is not of the form <type>:<name>:<actions>'],
    ['an unknown type', 'plugin:alpine:pull', 'unknown type "plugin"'],
    ['an empty type', ':alpine:pull', 'empty type'],
    ['an empty name', 'repository::pull', 'names no repository'],
    ['empty actions', 'repository:alpine:', 'names no actions'],
    ['an empty action', 'repository:alpine:pull,', 'empty action'],
    ['an unknown action', 'repository:alpine:pull,write', 'unknown action "write"'],
    ['an uppercase name', 'repository:Library/alpine:pull', 'is not a valid repository name'],
    ['a name with a colon', 'repository:host:5000/alpine:pull', 'repository "host:5000/alpine"'],
    ['a name that is too long', `repository:${'a'.repeat(256)}:pull`, 'longer than 255 characters'],
    ['another registry resource', 'registry:users:*', 'only registry resource is "catalog"'],
    ['catalog with a repository action', 'registry:catalog:pull', 'takes the action "*" only'],
  ])('rejects %s', (_case, text, message) => {
    const error = scopeErrorOf(text);
    expect(error.message).toContain(message);
    expect(error.scope).toBe(text);
  });
});

describe('parseScopes', () => {
  it('splits space-separated scopes and keeps first-seen order', () => {
    expect(parseScopes(['repository:b:pull registry:catalog:*', 'repository:a:push'])).toEqual([
      { type: 'repository', name: 'b', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
      { type: 'repository', name: 'a', actions: ['push'] },
    ]);
  });

  it('merges the actions of scopes naming the same repository', () => {
    expect(parseScopes(['repository:a/b:push', 'repository:a/b:pull  repository:a/b:delete'])).toEqual([
      { type: 'repository', name: 'a/b', actions: ['pull', 'push', 'delete'] },
    ]);
  });

  it('keeps a repeated catalog scope once', () => {
    expect(parseScopes(['registry:catalog:*', 'registry:catalog:*'])).toEqual([
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
  });

  it('returns nothing for no or empty values', () => {
    expect(parseScopes([])).toEqual([]);
    expect(parseScopes(['', ' '])).toEqual([]);
  });

  it('throws on the first bad scope', () => {
    expect(() => parseScopes(['repository:a:pull repository:a:fly'])).toThrow(ScopeError);
  });
});

describe('formatScope', () => {
  it.each(['repository:library/alpine:pull,push', 'repository:a:pull,push,delete', 'registry:catalog:*'])(
    'round-trips %s',
    (text) => {
      expect(formatScope(parseScope(text))).toBe(text);
    },
  );

  it('formats a scope with no actions as the spec would write it', () => {
    expect(formatScope({ type: 'repository', name: 'a', actions: [] })).toBe('repository:a:');
  });
});

describe('orderActions', () => {
  it('sorts and deduplicates', () => {
    expect(orderActions(['delete', 'pull', 'delete'])).toEqual(['pull', 'delete']);
  });
});
