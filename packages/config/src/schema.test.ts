import { describe, it, expect } from '@jest/globals';
import { berthConfigSchema } from './schema.js';

function issuePaths(input: unknown): string[] {
  const result = berthConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('berthConfigSchema', () => {
  it('derives paths under dataDir, leaving them relative', () => {
    const config = berthConfigSchema.parse({ dataDir: 'var' });
    expect(config.database.dataDir).toBe('var/db');
    expect(config.storage).toEqual({ driver: 'fs', fs: { root: 'var/blobs' } });
  });

  it('keeps explicit database and blob directories', () => {
    const config = berthConfigSchema.parse({ database: { dataDir: '/pg' }, storage: { fs: { root: '/blobs' } } });
    expect(config.database.dataDir).toBe('/pg');
    expect(config.storage).toEqual({ driver: 'fs', fs: { root: '/blobs' } });
  });

  it('keeps only the section of the selected storage driver', () => {
    const fs = berthConfigSchema.parse({ storage: { driver: 'fs', s3: { bucket: 'unused' } } });
    expect(fs.storage).toEqual({ driver: 'fs', fs: { root: 'data/blobs' } });
    const s3 = berthConfigSchema.parse({ storage: { driver: 's3', fs: { root: '/unused' }, s3: { bucket: 'b' } } });
    expect(s3.storage).toEqual({
      driver: 's3',
      s3: { region: 'us-east-1', bucket: 'b', prefix: '', forcePathStyle: false, redirect: false, presignExpirySeconds: 900 },
    });
  });

  it('normalizes publicUrl and accepts only absolute http(s) URLs without query or fragment', () => {
    expect(berthConfigSchema.parse({ server: { publicUrl: 'https://registry.example.com/' } }).server.publicUrl).toBe(
      'https://registry.example.com',
    );
    expect(berthConfigSchema.parse({ server: { publicUrl: 'http://10.0.0.1:8080/berth' } }).server.publicUrl).toBe(
      'http://10.0.0.1:8080/berth',
    );
    for (const publicUrl of ['registry.example.com', 'ftp://registry.example.com', 'https://r.example.com/?x=1', 'https://r.example.com/#top']) {
      expect(issuePaths({ server: { publicUrl } })).toEqual(['server.publicUrl']);
    }
  });

  it('bounds ports and counts', () => {
    expect(berthConfigSchema.parse({ server: { port: 0 } }).server.port).toBe(0);
    expect(issuePaths({ server: { port: 65536 } })).toEqual(['server.port']);
    expect(issuePaths({ server: { port: 80.5 } })).toEqual(['server.port']);
    expect(issuePaths({ database: { poolSize: 0 } })).toEqual(['database.poolSize']);
    expect(issuePaths({ limits: { uploadSessionTtlMinutes: 0 } })).toEqual(['limits.uploadSessionTtlMinutes']);
    expect(issuePaths({ storage: { s3: { presignExpirySeconds: 7 * 24 * 3600 + 1 } } })).toEqual(['storage.s3.presignExpirySeconds']);
  });

  it('accepts only postgres URLs for the database', () => {
    expect(berthConfigSchema.parse({ database: { url: 'postgresql://u:p@db:5432/berth' } }).database.url).toBe(
      'postgresql://u:p@db:5432/berth',
    );
    expect(issuePaths({ database: { url: 'mysql://db/berth' } })).toEqual(['database.url']);
  });

  it('leaves Redis off by default and accepts only redis:// and rediss:// URLs', () => {
    expect(berthConfigSchema.parse({}).redis).toEqual({ keyPrefix: 'berth:', fillLockTtlSeconds: 30 });
    expect(berthConfigSchema.parse({ redis: { url: 'redis://:secret@cache:6379/2', keyPrefix: 'b1:' } }).redis).toEqual({
      url: 'redis://:secret@cache:6379/2',
      keyPrefix: 'b1:',
      fillLockTtlSeconds: 30,
    });
    expect(issuePaths({ redis: { fillLockTtlSeconds: 1 } })).toEqual(['redis.fillLockTtlSeconds']);
    expect(berthConfigSchema.parse({ redis: { url: 'rediss://cache.example.com' } }).redis.url).toBe('rediss://cache.example.com');
    for (const url of ['http://cache:6379', 'cache:6379', 'redis', 'postgres://cache/0']) {
      expect(issuePaths({ redis: { url } })).toEqual(['redis.url']);
    }
    expect(issuePaths({ redis: { host: 'cache' } })).toEqual(['redis']);
  });

  it('requires S3 credentials in pairs', () => {
    const s3 = (credentials: Record<string, string>) => ({ storage: { driver: 's3', s3: { bucket: 'b', ...credentials } } });
    expect(issuePaths(s3({ accessKeyId: 'AK' }))).toEqual(['storage.s3.secretAccessKey']);
    expect(issuePaths(s3({ secretAccessKey: 'SK' }))).toEqual(['storage.s3.accessKeyId']);
    expect(issuePaths(s3({ accessKeyId: 'AK', secretAccessKey: 'SK' }))).toEqual([]);
  });

  it('accepts project names that are one repository path component', () => {
    for (const name of ['a', 'library', 'team-a', 'a.b', 'a_b', 'a__b', 'a--b', 'v2.tools_x-y']) {
      expect(issuePaths({ projects: [{ name, kind: 'hosted' }] })).toEqual([]);
    }
    for (const name of ['', 'Library', '-a', 'a-', 'a/b', 'a..b', 'a___b', '.a', 'a b', 'x'.repeat(256)]) {
      expect(issuePaths({ projects: [{ name, kind: 'hosted' }] })).toEqual(['projects.0.name']);
    }
  });

  it('makes every project private unless it says public: true', () => {
    const projects = [
      { name: 'a', kind: 'hosted' },
      { name: 'b', kind: 'hosted', public: true },
      { name: 'c', kind: 'proxy', upstream: { url: 'https://r.example' } },
      { name: 'd', kind: 'proxy', public: true, upstream: { url: 'https://r.example' } },
    ];
    expect(berthConfigSchema.parse({ projects }).projects.map((project) => [project.name, project.public])).toEqual([
      ['a', false],
      ['b', true],
      ['c', false],
      ['d', true],
    ]);
    expect(issuePaths({ projects: [{ name: 'a', kind: 'hosted', public: 'yes' }] })).toEqual(['projects.0.public']);
  });

  it('trusts no proxy by default and accepts addresses, CIDR blocks and range names as trusted proxies', () => {
    expect(berthConfigSchema.parse({}).server.trustedProxies).toEqual([]);
    const proxies = ['10.1.2.3', '10.0.0.0/8', 'fd00::/8', '2001:db8::7', 'loopback', 'uniquelocal', 'linklocal'];
    expect(berthConfigSchema.parse({ server: { trustedProxies: proxies } }).server.trustedProxies).toEqual(proxies);
    for (const bad of ['10.0.0.0/33', 'nginx', '10.0.0', '*', '', '::1/129']) {
      const result = berthConfigSchema.safeParse({ server: { trustedProxies: ['127.0.0.1', bad] } });
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
        ['server.trustedProxies.1', 'must be an IP address, a CIDR block such as 10.0.0.0/8 or fd00::/8, or one of loopback, linklocal, uniquelocal'],
      ]);
    }
  });

  it('listens on every interface by default', () => {
    expect(berthConfigSchema.parse({}).server.host).toBe('0.0.0.0');
  });

  it('reports each duplicate project name once per repeat', () => {
    const projects = ['a', 'b', 'a', 'a'].map((name) => ({ name, kind: 'hosted' }));
    expect(issuePaths({ projects })).toEqual(['projects.2.name', 'projects.3.name']);
  });

  it('rejects unknown keys at every level', () => {
    expect(issuePaths({ sever: {} })).toEqual(['']);
    expect(issuePaths({ storage: { s3: { buckets: 'x' } } })).toEqual(['storage.s3']);
    expect(issuePaths({ projects: [{ name: 'a', kind: 'hosted', upstream: 'x' }] })).toEqual(['projects.0']);
  });
});
