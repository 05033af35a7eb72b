import { describe, it, expect } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { SecretSealer } from './sealed-secrets.js';

describe('SecretSealer', () => {
  const sealer = new SecretSealer(randomBytes(32));

  it('round-trips and never shows the plaintext', () => {
    const sealed = sealer.seal('{"username":"bob","password":"hunter2"}');
    expect(sealed.startsWith('v1:')).toBe(true);
    expect(sealed).not.toContain('hunter2');
    expect(Buffer.from(sealed.slice(3), 'base64').toString('latin1')).not.toContain('hunter2');
    expect(sealer.open(sealed)).toBe('{"username":"bob","password":"hunter2"}');
    expect(sealer.seal('same')).not.toBe(sealer.seal('same'));
  });

  it('refuses another key, altered bytes and foreign values', () => {
    const sealed = sealer.seal('secret');
    expect(() => new SecretSealer(randomBytes(32)).open(sealed)).toThrow(/wrong secrets.key/);
    const bytes = Buffer.from(sealed.slice(3), 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    expect(() => sealer.open(`v1:${bytes.toString('base64')}`)).toThrow(/altered/);
    expect(() => sealer.open('plain')).toThrow(/not a sealed secret/);
    expect(() => new SecretSealer(randomBytes(16))).toThrow(/32 bytes/);
  });
});
