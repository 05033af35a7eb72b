import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { berthConfigSchema } from './schema.js';

const KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
/** A self-signed certificate made by notation (`notation cert generate-test`), kept with the e2e fixtures. */
const CERT = readFileSync(new URL('../../../test/signatures/fixtures/notation-test.crt', import.meta.url), 'utf8');

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

  it('names the field of a key, certificate or identity the verifier cannot use (checked at load time)', () => {
    expect(issues({ cosign: { keys: [{ name: 'ok', publicKey: KEY }, { name: 'team', publicKey: 'not a key' }] } })).toEqual([
      'projects.1.signaturePolicy.cosign.keys.1.publicKey: not a PEM public key (-----BEGIN PUBLIC KEY-----)',
    ]);
    const broken = KEY.replace(/\n[A-Za-z0-9+/]{8}/, '\nAAAAAAAA');
    expect(issues({ cosign: { keys: [{ name: 'team', publicKey: broken }] } })).toEqual(['projects.1.signaturePolicy.cosign.keys.0.publicKey: the PEM public key does not parse']);
    expect(issues({ notation: { trustStore: [KEY], trustedIdentities: ['*'] } })[0]).toMatch(/^projects\.1\.signaturePolicy\.notation\.trustStore\.0: /);
    expect(issues({ notation: { trustStore: [CERT], trustedIdentities: ['CN=team'] } })[0]).toMatch(/^projects\.1\.signaturePolicy\.notation\.trustedIdentities\.0: /);
  });

  it('refuses enforce or audit with nothing to trust, duplicate key names, a trust store without identities, unknown fields', () => {
    expect(issues({ mode: 'enforce' })).toEqual(['projects.1.signaturePolicy.mode: enforce needs something to trust: cosign.keys or notation.trustStore']);
    expect(issues({ mode: 'sometimes', cosign: { keys: [{ name: 'k', publicKey: KEY }] } })[0]).toMatch(/^projects\.1\.signaturePolicy\.mode: /);
    expect(issues({ cosign: { keys: [{ name: 'k', publicKey: KEY }, { name: 'k', publicKey: KEY }] } })).toEqual(['projects.1.signaturePolicy.cosign.keys.1.name: duplicate key name "k"']);
    expect(issues({ notation: { trustStore: [CERT] } })[0]).toMatch(/^projects\.1\.signaturePolicy\.notation\.trustedIdentities: required/);
    expect(issues({ keyless: true })[0]).toMatch(/^projects\.1\.signaturePolicy: /);
  });
});
