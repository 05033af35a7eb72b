import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error.js';
import { findConfigFile, readConfigFile } from './config-file.js';
import type { ConfigFileLocation } from './config-file.js';

let dir: string;
let fileCount = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-config-file-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function yamlFile(text: string): Promise<ConfigFileLocation> {
  const path = join(dir, `berth-${++fileCount}.yaml`);
  await writeFile(path, text);
  return { path, givenBy: '--config' };
}

/** The problems of the ConfigError `read` throws, as formatted lines. */
function errorLines(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('findConfigFile', () => {
  it('takes --config FILE or --config=FILE, the last one winning, resolved against cwd', () => {
    expect(findConfigFile(['--config', 'a.yaml'], {}, '/etc/berth')).toEqual({ path: '/etc/berth/a.yaml', givenBy: '--config' });
    expect(findConfigFile(['--config=/abs/b.yaml'], {}, '/etc/berth')).toEqual({ path: '/abs/b.yaml', givenBy: '--config' });
    expect(findConfigFile(['--config', 'a.yaml', '--config=c.yaml'], {}, '/x')?.path).toBe('/x/c.yaml');
  });

  it('falls back to BERTH_CONFIG, then to no file', () => {
    expect(findConfigFile(['--verbose'], { BERTH_CONFIG: 'berth.yaml' }, '/srv')).toEqual({ path: '/srv/berth.yaml', givenBy: 'BERTH_CONFIG' });
    expect(findConfigFile([], {}, '/srv')).toBeUndefined();
  });

  it('rejects a flag without a file and an empty BERTH_CONFIG', () => {
    expect(errorLines(() => findConfigFile(['--config'], {}, '/srv'))).toEqual(['--config: expects a file path (--config FILE or --config=FILE)']);
    expect(errorLines(() => findConfigFile(['--config='], {}, '/srv'))).toHaveLength(1);
    expect(errorLines(() => findConfigFile([], { BERTH_CONFIG: '' }, '/srv'))).toEqual(['BERTH_CONFIG: is empty; unset it or name a file']);
  });
});

describe('readConfigFile', () => {
  it('returns the mapping, and an empty one for a file with only comments', async () => {
    expect(readConfigFile(await yamlFile('server:\n  port: 6000\n'))).toEqual({ server: { port: 6000 } });
    expect(readConfigFile(await yamlFile('# nothing configured yet\n'))).toEqual({});
  });

  it('names a missing file and what named it', () => {
    const path = join(dir, 'absent.yaml');
    expect(errorLines(() => readConfigFile({ path, givenBy: 'BERTH_CONFIG' }))).toEqual([
      `${path}: cannot read the configuration file (no such file; given by BERTH_CONFIG)`,
    ]);
  });

  it('reports a directory instead of a file', () => {
    expect(errorLines(() => readConfigFile({ path: dir, givenBy: '--config' }))).toEqual([
      `${dir}: cannot read the configuration file (is a directory; given by --config)`,
    ]);
  });

  it('reports an unclosed quote where the parser ran out of input', async () => {
    const location = await yamlFile('server:\n  host: "unclosed\n');
    expect(errorLines(() => readConfigFile(location))).toEqual([`${location.path}:3:1: YAML syntax error: Missing closing "quote`]);
  });

  it('reports a duplicate key on its line', async () => {
    const location = await yamlFile('server:\n  port: 5000\n  port: 6000\n');
    const lines = errorLines(() => readConfigFile(location));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${location.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:3: YAML syntax error: `));
  });

  it('reports an alias to a missing anchor', async () => {
    const location = await yamlFile('server: *missing\n');
    const lines = errorLines(() => readConfigFile(location));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/missing/);
    expect(lines[0]?.startsWith(location.path)).toBe(true);
  });

  it('rejects a top level that is not a mapping', async () => {
    for (const text of ['- server\n- port\n', 'just text\n', '42\n']) {
      const location = await yamlFile(text);
      expect(errorLines(() => readConfigFile(location))).toEqual([
        `${location.path}: the top level must be a mapping of settings (server:, storage:, ...)`,
      ]);
    }
  });
});
