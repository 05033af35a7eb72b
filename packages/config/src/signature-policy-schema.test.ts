import { describe, expect, it } from '@jest/globals';
import { berthConfigSchema } from './schema.js';

const KEY = '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function issues(signaturePolicy: unknown, kind: 'hosted' | 'proxy' = 'hosted'): string[] {
  const project = kind === 'hosted' ? { kind, name: 'team' } : { kind, name: 'hub', upstream: { url: 'https://registry-1.docker.io' } };
  const result = berthConfigSchema.safeParse({ projects: [{ name: 'first', kind: 'hosted' }, { ...project, signaturePolicy }] });
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('signaturePolicy in a project', () => {
  it('is absent unless given, and defaults to off with nothing trusted', () => {
    const config = berthConfigSchema.parse({ projects: [{ kind: 'hosted', name: 'a' }, { kind: 'hosted', name: 'b', signaturePolicy: {} }] });
    expect(config.projects[0]).not.toHaveProperty('signaturePolicy');
    expect(config.projects[1]!.signaturePolicy).toEqual({ mode: 'off', cosign: { keys: [] }, notation: { trustStore: [], trustedIdentities: [] } });
  });

  it('is accepted in hosted and proxy projects', () => {
    const policy = { mode: 'enforce', cosign: { keys: [{ name: 'team', publicKey: KEY }] }, notation: { trustStore: [CERT], trustedIdentities: ['*'] } };
    expect(issues(policy, 'hosted')).toEqual([]);
    expect(issues(policy, 'proxy')).toEqual([]);
  });

  it('names the field of a key or certificate that is not PEM text', () => {
    expect(issues({ cosign: { keys: [{ name: 'team', publicKey: 'not a key' }] } })).toEqual([
      'projects.1.signaturePolicy.cosign.keys.0.publicKey: must be PEM text (-----BEGIN PUBLIC KEY-----)',
    ]);
    expect(issues({ notation: { trustStore: [KEY], trustedIdentities: ['*'] } })).toEqual([
      'projects.1.signaturePolicy.notation.trustStore.0: must be PEM text (-----BEGIN CERTIFICATE-----)',
    ]);
  });

  it('refuses enforce or audit with nothing to trust, duplicate key names, a trust store without identities, unknown fields', () => {
    expect(issues({ mode: 'enforce' })).toEqual(['projects.1.signaturePolicy.mode: enforce needs something to trust: cosign.keys or notation.trustStore']);
    expect(issues({ mode: 'sometimes', cosign: { keys: [{ name: 'k', publicKey: KEY }] } })[0]).toMatch(/^projects\.1\.signaturePolicy\.mode: /);
    expect(issues({ cosign: { keys: [{ name: 'k', publicKey: KEY }, { name: 'k', publicKey: KEY }] } })).toEqual(['projects.1.signaturePolicy.cosign.keys.1.name: duplicate key name "k"']);
    expect(issues({ notation: { trustStore: [CERT] } })[0]).toMatch(/^projects\.1\.signaturePolicy\.notation\.trustedIdentities: required/);
    expect(issues({ keyless: true })[0]).toMatch(/^projects\.1\.signaturePolicy: /);
  });
});
