import { describe, it, expect } from '@jest/globals';
import { serviceFor } from './auth-schema.js';
import { formatProblem } from './config-error.js';
import { configErrorMap, problemsFromIssues } from './issues.js';
import { berthConfigSchema } from './schema.js';

/** The problems loadConfig would report for this input, as `<path>: <message>` lines. */
function problems(input: unknown): string[] {
  const result = berthConfigSchema.safeParse(input, { error: configErrorMap });
  return result.success ? [] : problemsFromIssues(result.error.issues, []).map(formatProblem);
}

describe('auth section', () => {
  it('is on by default with every default filled', () => {
    expect(berthConfigSchema.parse({}).auth).toEqual({
      enabled: true,
      service: 'berth',
      issuer: 'berth',
      tokenTtlSeconds: 300,
      refreshTokenTtlSeconds: 30 * 24 * 3600,
      admin: { username: 'admin' },
      lockout: { maxFailures: 5, windowSeconds: 300, lockSeconds: 300 },
      anonymousPull: true,
    });
  });

  it('derives the service from server.publicUrl, host and port only', () => {
    const service = (publicUrl: string) => berthConfigSchema.parse({ server: { publicUrl } }).auth.service;
    expect(service('https://registry.example.com/')).toBe('registry.example.com');
    expect(service('http://10.0.0.1:8080/berth')).toBe('10.0.0.1:8080');
    // The scheme's default port is not part of the host clients name.
    expect(service('https://registry.example.com:443')).toBe('registry.example.com');
    expect(serviceFor(undefined)).toBe('berth');
  });

  it('keeps an explicit service over the derived one', () => {
    const config = berthConfigSchema.parse({ server: { publicUrl: 'https://r.example.com' }, auth: { service: 'registry' } });
    expect(config.auth.service).toBe('registry');
  });

  it('keeps explicit values', () => {
    const auth = {
      enabled: false,
      service: 'svc',
      issuer: 'iss',
      tokenTtlSeconds: 30,
      refreshTokenTtlSeconds: 60,
      signingKeyFile: 'keys/signing.pem',
      admin: { username: 'root.ops', password: 'correct horse' },
      lockout: { maxFailures: 0, windowSeconds: 1, lockSeconds: 3600 },
      anonymousPull: false,
    };
    expect(berthConfigSchema.parse({ auth }).auth).toEqual(auth);
    expect(berthConfigSchema.parse({ auth: { tokenTtlSeconds: 86400 } }).auth.tokenTtlSeconds).toBe(86400);
  });

  it('names each invalid field', () => {
    expect(problems({ auth: { tokenTtlSeconds: 29 } })).toEqual(['auth.tokenTtlSeconds: must be at least 30']);
    expect(problems({ auth: { tokenTtlSeconds: 86401 } })).toEqual(['auth.tokenTtlSeconds: must be at most 86400']);
    expect(problems({ auth: { tokenTtlSeconds: 60.5 } })).toEqual(['auth.tokenTtlSeconds: expected an integer, got 60.5']);
    expect(problems({ auth: { refreshTokenTtlSeconds: 59 } })).toEqual(['auth.refreshTokenTtlSeconds: must be at least 60']);
    expect(problems({ auth: { enabled: 'yes' } })).toEqual(['auth.enabled: expected true or false, got the string "yes"']);
    expect(problems({ auth: { anonymousPull: 1 } })).toEqual(['auth.anonymousPull: expected true or false, got 1']);
    expect(problems({ auth: { service: '' } })).toEqual(['auth.service: must not be empty']);
    expect(problems({ auth: { issuer: '' } })).toEqual(['auth.issuer: must not be empty']);
    expect(problems({ auth: { signingKeyFile: '' } })).toEqual(['auth.signingKeyFile: must not be empty']);
    expect(problems({ auth: { admin: { password: 'short' } } })).toEqual(['auth.admin.password: must be at least 8 characters']);
    expect(problems({ auth: { lockout: { maxFailures: -1 } } })).toEqual(['auth.lockout.maxFailures: must be at least 0']);
    expect(problems({ auth: { lockout: { windowSeconds: 0 } } })).toEqual(['auth.lockout.windowSeconds: must be at least 1']);
    expect(problems({ auth: { lockout: { lockSeconds: 0 } } })).toEqual(['auth.lockout.lockSeconds: must be at least 1']);
    expect(problems({ auth: { admin: { name: 'root' } } })).toEqual(['auth.admin.name: unknown setting; known settings here: username, password']);
    expect(problems({ auth: { lockout: 5 } })).toEqual(['auth.lockout: expected a mapping, got 5']);
  });

  it('validates the admin user name like any user name', () => {
    for (const username of ['ab', 'admin', 'ops.team', 'a_b-c.d', 'x1', 'a'.repeat(64)]) {
      expect(problems({ auth: { admin: { username } } })).toEqual([]);
    }
    expect(problems({ auth: { admin: { username: 'a' } } })).toEqual(['auth.admin.username: must be at least 2 characters']);
    expect(problems({ auth: { admin: { username: 'a'.repeat(65) } } })).toEqual(['auth.admin.username: must be at most 64 characters']);
    for (const username of ['Admin', 'a..b', '-ab', 'ab-', 'a b', 'a__b', 'robot$x']) {
      expect(problems({ auth: { admin: { username } } })).toEqual([
        'auth.admin.username: must be lowercase letters and digits, separated by single ".", "_" or "-"',
      ]);
    }
  });

  it('never quotes the admin password or other secrets in a problem', () => {
    const config = {
      auth: { admin: { password: 31415926535 } },
      secrets: { key: 27182818284 },
      storage: { s3: { accessKeyId: 'AK', secretAccessKey: 16180339887 } },
      projects: [
        { name: 'hub', kind: 'proxy', upstream: { url: 'https://r.example', username: 'u', password: 14142135623 } },
        { name: 'gh', kind: 'proxy', upstream: { url: 'https://ghcr.io', token: 17320508075 } },
      ],
    };
    const found = problems(config);
    expect(found.sort()).toEqual([
      'auth.admin.password: expected a string (the value is not shown)',
      'projects[0].upstream.password: expected a string (the value is not shown)',
      'projects[1].upstream.token: expected a string (the value is not shown)',
      'secrets.key: expected a string (the value is not shown)',
      'storage.s3.secretAccessKey: expected a string (the value is not shown)',
    ]);
    for (const secret of ['31415926535', '27182818284', '16180339887', '14142135623', '17320508075']) {
      expect(found.join('\n')).not.toContain(secret);
    }
    // Other settings still describe what they received.
    expect(problems({ auth: { admin: { username: 12345 } } })).toEqual(['auth.admin.username: expected a string, got 12345']);
  });
});
