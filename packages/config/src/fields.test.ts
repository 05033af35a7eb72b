import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { CONFIG_FIELDS, fieldAt, formatPath } from './fields.js';
import type { Field } from './fields.js';
import { envVarName } from './env-overrides.js';

/** Every setting an environment variable can set: the leaves of the tree, lists included whole. */
function settingPaths(field: Field, prefix: string[] = []): string[][] {
  if (field.type !== 'section') return [prefix];
  return field.children.flatMap((child) => settingPaths(child, [...prefix, child.key]));
}

describe('CONFIG_FIELDS', () => {
  it('knows the type of each setting from the schema', () => {
    expect(fieldAt(['server', 'port'])?.type).toBe('number');
    expect(fieldAt(['server', 'publicUrl'])?.type).toBe('string');
    expect(fieldAt(['storage', 's3', 'forcePathStyle'])?.type).toBe('boolean');
    expect(fieldAt(['storage', 'driver'])?.type).toBe('string');
    expect(fieldAt(['log', 'level'])?.type).toBe('string');
    expect(fieldAt(['autoCreateProjects'])?.type).toBe('boolean');
    expect(fieldAt(['redis', 'url'])?.type).toBe('string');
    expect(fieldAt(['redis', 'keyPrefix'])?.type).toBe('string');
    expect(fieldAt(['storage'])?.type).toBe('section');
    expect(fieldAt(['projects'])?.type).toBe('list');
    expect(fieldAt(['auth', 'enabled'])?.type).toBe('boolean');
    expect(fieldAt(['auth', 'tokenTtlSeconds'])?.type).toBe('number');
    expect(fieldAt(['auth', 'admin', 'password'])?.type).toBe('string');
    expect(fieldAt(['auth', 'lockout'])?.type).toBe('section');
  });

  it('steps into list items by index', () => {
    expect(fieldAt(['projects', 3])?.type).toBe('list');
    expect(fieldAt(['projects', 3, 'name'])?.type).toBe('string');
    expect(fieldAt(['projects', 3, 'public'])?.type).toBe('boolean');
    expect(fieldAt(['projects', 3, 'nope'])).toBeUndefined();
    expect(fieldAt(['server', 'port', 'deeper'])).toBeUndefined();
  });

  it('lists the top-level sections in schema order', () => {
    expect(CONFIG_FIELDS.children.map((field) => field.key)).toEqual([
      'server',
      'dataDir',
      'database',
      'storage',
      'redis',
      'autoCreateProjects',
      'projects',
      'upstreamProxy',
      'limits',
      'referrersCache',
      'jobs',
      'secrets',
      'auth',
      'log',
    ]);
  });
});

describe('formatPath', () => {
  it('writes keys with dots and indexes in brackets', () => {
    expect(formatPath(['projects', 2, 'name'])).toBe('projects[2].name');
    expect(formatPath(['storage', 's3', 'bucket'])).toBe('storage.s3.bucket');
    expect(formatPath([])).toBe('(root)');
  });
});

describe('docs/configuration.md', () => {
  const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');

  it('documents every setting with its environment variable', () => {
    const paths = settingPaths(CONFIG_FIELDS);
    expect(paths.length).toBeGreaterThan(20);
    const undocumented = paths.filter((path) => {
      const row = docs.split('\n').find((line) => line.startsWith(`| \`${path.join('.')}\` |`));
      return row === undefined || !row.includes(`\`${envVarName(path)}\``);
    });
    expect(undocumented).toEqual([]);
  });
});
