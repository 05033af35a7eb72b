import { describe, it, expect } from '@jest/globals';
import { applyEnvOverrides, envVarName } from './env-overrides.js';

describe('envVarName', () => {
  it('joins SNAKE_CASE segments with double underscores', () => {
    expect(envVarName(['storage', 's3', 'forcePathStyle'])).toBe('BERTH_STORAGE__S3__FORCE_PATH_STYLE');
    expect(envVarName(['dataDir'])).toBe('BERTH_DATA_DIR');
    expect(envVarName(['limits', 'maxManifestBytes'])).toBe('BERTH_LIMITS__MAX_MANIFEST_BYTES');
  });
});

describe('applyEnvOverrides', () => {
  it('matches segments to keys whatever their case and underscores', () => {
    for (const name of ['BERTH_STORAGE__S3__FORCE_PATH_STYLE', 'BERTH_storage__s3__forcePathStyle', 'BERTH_STORAGE__S3__FORCEPATHSTYLE']) {
      const { data, problems } = applyEnvOverrides({}, { [name]: 'true' });
      expect(problems).toEqual([]);
      expect(data).toEqual({ storage: { s3: { forcePathStyle: true } } });
    }
  });

  it('coerces booleans from true/false/1/0 in any case', () => {
    const cases: Array<[string, boolean]> = [['true', true], ['TRUE', true], ['1', true], ['false', false], ['False', false], ['0', false]];
    for (const [raw, expected] of cases) {
      expect(applyEnvOverrides({}, { BERTH_LOG__PRETTY: raw }).data).toEqual({ log: { pretty: expected } });
    }
    const { data, problems } = applyEnvOverrides({}, { BERTH_LOG__PRETTY: 'on' });
    expect(data).toEqual({});
    expect(problems).toEqual([{ path: 'log.pretty', message: 'expected true, false, 1 or 0, got "on"', envVar: 'BERTH_LOG__PRETTY' }]);
  });

  it('coerces numbers and refuses text that is not one', () => {
    expect(applyEnvOverrides({}, { BERTH_SERVER__PORT: ' 6000 ' }).data).toEqual({ server: { port: 6000 } });
    expect(applyEnvOverrides({}, { BERTH_SERVER__SHUTDOWN_GRACE_SECONDS: '2.5' }).data).toEqual({ server: { shutdownGraceSeconds: 2.5 } });
    for (const raw of ['', '6000ms', '0x10', 'NaN']) {
      const { problems } = applyEnvOverrides({}, { BERTH_SERVER__PORT: raw });
      expect(problems).toEqual([{ path: 'server.port', message: `expected a number, got ${JSON.stringify(raw)}`, envVar: 'BERTH_SERVER__PORT' }]);
    }
  });

  it('passes strings through as written, empty included', () => {
    expect(applyEnvOverrides({}, { BERTH_STORAGE__S3__PREFIX: '', BERTH_LOG__LEVEL: 'debug' }).data).toEqual({
      storage: { s3: { prefix: '' } },
      log: { level: 'debug' },
    });
  });

  it('parses lists as JSON', () => {
    const projects = [{ name: 'library', kind: 'hosted' }];
    expect(applyEnvOverrides({}, { BERTH_PROJECTS: JSON.stringify(projects) }).data).toEqual({ projects });
    const notJson = applyEnvOverrides({}, { BERTH_PROJECTS: 'library' }).problems;
    expect(notJson).toHaveLength(1);
    expect(notJson[0]?.message).toMatch(/^expected a JSON list: /);
    expect(applyEnvOverrides({}, { BERTH_PROJECTS: '{"name":"library"}' }).problems).toEqual([
      { path: 'projects', message: 'expected a JSON list ([...])', envVar: 'BERTH_PROJECTS' },
    ]);
  });

  it('overrides file values and keeps the rest, without changing the input', () => {
    const file = { server: { port: 5000, host: '0.0.0.0' } };
    const { data, sources } = applyEnvOverrides(file, { BERTH_SERVER__PORT: '6000' });
    expect(data).toEqual({ server: { port: 6000, host: '0.0.0.0' } });
    expect(file).toEqual({ server: { port: 5000, host: '0.0.0.0' } });
    expect(sources).toEqual([{ path: ['server', 'port'], envVar: 'BERTH_SERVER__PORT' }]);
  });

  it('leaves a non-mapping in the file for validation to report', () => {
    const { data, sources, problems } = applyEnvOverrides({ server: 8080 }, { BERTH_SERVER__PORT: '6000' });
    expect(data).toEqual({ server: 8080 });
    expect(sources).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('applies DATABASE_URL before BERTH_DATABASE__URL', () => {
    const { data, sources } = applyEnvOverrides({}, { BERTH_DATABASE__URL: 'postgres://b/two', DATABASE_URL: 'postgres://a/one' });
    expect(data).toEqual({ database: { url: 'postgres://b/two' } });
    expect(sources.map((source) => source.envVar)).toEqual(['DATABASE_URL', 'BERTH_DATABASE__URL']);
  });

  it('applies REDIS_URL before BERTH_REDIS__URL', () => {
    const { data, sources } = applyEnvOverrides({ redis: { keyPrefix: 'b:' } }, { BERTH_REDIS__URL: 'redis://b', REDIS_URL: 'redis://a' });
    expect(data).toEqual({ redis: { url: 'redis://b', keyPrefix: 'b:' } });
    expect(sources.map((source) => source.envVar)).toEqual(['REDIS_URL', 'BERTH_REDIS__URL']);
  });

  it('applies BERTH_ADMIN_PASSWORD before BERTH_AUTH__ADMIN__PASSWORD, not as a setting path', () => {
    const alias = applyEnvOverrides({}, { BERTH_ADMIN_PASSWORD: 'alias-secret' });
    expect(alias).toEqual({
      data: { auth: { admin: { password: 'alias-secret' } } },
      sources: [{ path: ['auth', 'admin', 'password'], envVar: 'BERTH_ADMIN_PASSWORD' }],
      problems: [],
    });
    const both = applyEnvOverrides({ auth: { admin: { username: 'root' } } }, { BERTH_AUTH__ADMIN__PASSWORD: 'path-secret', BERTH_ADMIN_PASSWORD: 'alias-secret' });
    expect(both.data).toEqual({ auth: { admin: { username: 'root', password: 'path-secret' } } });
    expect(both.sources.map((source) => source.envVar)).toEqual(['BERTH_ADMIN_PASSWORD', 'BERTH_AUTH__ADMIN__PASSWORD']);
  });

  it('sets nested auth settings by path', () => {
    const { data, problems } = applyEnvOverrides({}, { BERTH_AUTH__LOCKOUT__MAX_FAILURES: '3', BERTH_AUTH__ENABLED: 'false' });
    expect(problems).toEqual([]);
    expect(data).toEqual({ auth: { enabled: false, lockout: { maxFailures: 3 } } });
  });

  it('ignores BERTH_CONFIG and variables without the prefix', () => {
    const result = applyEnvOverrides({}, { BERTH_CONFIG: '/etc/berth.yaml', PORT: '80', HOME: '/root', berth_server__port: '1' });
    expect(result).toEqual({ data: {}, sources: [], problems: [] });
  });

  it('explains variables that name no setting', () => {
    const { data, problems } = applyEnvOverrides(
      {},
      {
        BERTH_SERVR__PORT: '1',
        BERTH_SERVER: '{}',
        BERTH_SERVER__PORT__NUMBER: '1',
        BERTH_PROJECTS__0__NAME: 'x',
        BERTH_: 'x',
      },
    );
    expect(data).toEqual({});
    expect(problems).toEqual([
      { path: 'BERTH_', message: expect.stringMatching(/^names no setting; the top level has: server, dataDir, database,/) },
      { path: 'BERTH_PROJECTS__0__NAME', message: 'projects is a list; set it whole as JSON in BERTH_PROJECTS' },
      { path: 'BERTH_SERVER', message: 'names the section server; set its settings one by one, e.g. BERTH_SERVER__HOST' },
      { path: 'BERTH_SERVER__PORT__NUMBER', message: 'names no setting; server.port is a single setting, not a section' },
      { path: 'BERTH_SERVR__PORT', message: expect.stringMatching(/^names no setting; the top level has: server, /) },
    ]);
  });
});
