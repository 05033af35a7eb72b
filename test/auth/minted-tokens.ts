import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, calculateJwkThumbprint, type JWK } from 'jose';

// Registry tokens minted by the tests themselves, with the key Berth reads from auth.signingKeyFile
// (or another one), so every claim can be made wrong on purpose. The claims follow TokenService:
// iss, sub, aud (the service), iat, nbf, exp, jti, access, berth_kind and berth_use.

export interface TestSigningKey {
  /** The PKCS#8 PEM file Berth is configured with. */
  file: string;
  privateKey: KeyObject;
  /** RFC 7638 thumbprint of the public key: the kid Berth puts in its tokens. */
  kid: string;
}

/** A fresh P-256 key, written as PKCS#8 PEM into `dir`. */
export async function createSigningKeyFile(dir: string, name = 'signing-key.pem'): Promise<TestSigningKey> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file = join(dir, name);
  await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { file, privateKey, kid: await thumbprintOf(privateKey) };
}

/** A P-256 key that Berth does not know. */
export async function otherSigningKey(): Promise<{ privateKey: KeyObject; kid: string }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, kid: await thumbprintOf(privateKey) };
}

async function thumbprintOf(privateKey: KeyObject): Promise<string> {
  const { kty, crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  return calculateJwkThumbprint({ kty, crv, x, y } as JWK, 'sha256');
}

export interface AccessEntry {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

export interface MintOptions {
  key: { privateKey: KeyObject; kid: string };
  issuer: string;
  audience: string;
  access?: AccessEntry[];
  subject?: string;
  kind?: 'anonymous' | 'user' | 'robot';
  use?: 'access' | 'refresh';
  /** Seconds relative to now; defaults: issued now, valid now, expires in 5 minutes. */
  issuedAt?: number;
  notBefore?: number;
  expiresIn?: number;
}

/** Sign a registry token (ES256, kid header) with whatever claims the test wants. */
export async function mintToken(options: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    berth_kind: options.kind ?? 'user',
    berth_use: options.use ?? 'access',
  };
  if (options.use !== 'refresh') claims.access = options.access ?? [];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: options.key.kid })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(options.subject ?? 'minted-user')
    .setJti(randomUUID())
    .setIssuedAt(now + (options.issuedAt ?? 0))
    .setNotBefore(now + (options.notBefore ?? 0))
    .setExpirationTime(now + (options.expiresIn ?? 300))
    .sign(options.key.privateKey);
}

/** The token with one character of its signature changed. */
export function tamperSignature(token: string): string {
  const [header, payload, signature = ''] = token.split('.');
  const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
  return `${header}.${payload}.${flipped}`;
}

/** The token with its payload replaced (claims changed), keeping the original signature. */
export function tamperPayload(token: string, change: (claims: Record<string, unknown>) => void): string {
  const [header, payload = '', signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(claims);
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

/** An unsigned token (`alg: none`) with the given claims. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}
