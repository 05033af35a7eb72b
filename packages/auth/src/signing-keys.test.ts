import { describe, it, expect } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, compactVerify } from 'jose';
import { generateSigningKey, loadSigningKey, signingKeyFromPem } from './signing-keys.js';

function ecPem(namedCurve: string, type: 'pkcs8' | 'sec1' = 'pkcs8'): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve });
  return privateKey.export({ format: 'pem', type }).toString();
}

function rsaPem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

describe('generateSigningKey', () => {
  it('makes a P-256 key whose kid is the RFC 7638 thumbprint of its public half', async () => {
    const material = await generateSigningKey();
    const jwk = JSON.parse(material.privateJwk) as Record<string, string>;
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: material.kid });
    expect(typeof jwk.d).toBe('string');
    const { kty, crv, x, y } = jwk;
    expect(await calculateJwkThumbprint({ kty, crv, x, y }, 'sha256')).toBe(material.kid);
  });

  it('makes a different key each time', async () => {
    const [a, b] = await Promise.all([generateSigningKey(), generateSigningKey()]);
    expect(a.kid).not.toBe(b.kid);
  });
});

describe('signingKeyFromPem', () => {
  it('reads a PKCS#8 P-256 key, with the same kid every time', async () => {
    const pem = ecPem('prime256v1');
    const first = await signingKeyFromPem(pem);
    const second = await signingKeyFromPem(`\n${pem}\n`);
    expect(second.kid).toBe(first.kid);
    expect(JSON.parse(first.privateJwk)).toMatchObject({ kty: 'EC', crv: 'P-256' });
  });

  it.each([
    ['a P-384 key', () => ecPem('secp384r1')],
    ['an RSA key', () => rsaPem()],
    ['a SEC1 (BEGIN EC PRIVATE KEY) file', () => ecPem('prime256v1', 'sec1')],
    ['garbage', () => 'not a key'],
  ])('refuses %s, saying what is needed', async (_case, pem) => {
    await expect(signingKeyFromPem(pem())).rejects.toThrow('must be an EC P-256 private key');
  });
});

describe('loadSigningKey', () => {
  it('gives keys that sign and verify', async () => {
    const loaded = await loadSigningKey(await generateSigningKey());
    const payload = new TextEncoder().encode('hello');
    const jws = await new CompactSign(payload).setProtectedHeader({ alg: 'ES256' }).sign(loaded.privateKey);
    const { payload: verified } = await compactVerify(jws, loaded.publicKey);
    expect(new TextDecoder().decode(verified)).toBe('hello');
    expect(Object.keys(loaded.publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
  });

  it('refuses a kid that is not the thumbprint', async () => {
    const material = await generateSigningKey();
    await expect(loadSigningKey({ ...material, kid: 'other' })).rejects.toThrow("not the key's thumbprint");
  });

  it('refuses a JWK that is not JSON or not a P-256 private key', async () => {
    const material = await generateSigningKey();
    await expect(loadSigningKey({ ...material, privateJwk: '{' })).rejects.toThrow('not JSON');
    const jwk = JSON.parse(material.privateJwk) as Record<string, string>;
    delete jwk.d;
    await expect(loadSigningKey({ ...material, privateJwk: JSON.stringify(jwk) })).rejects.toThrow('not an EC P-256 private JWK');
  });
});
