import { beforeAll, describe, it, expect } from '@jest/globals';
import { SignJWT, base64url, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { generateSigningKey, loadSigningKey } from './signing-keys.js';
import { CLOCK_TOLERANCE_SECONDS, TokenService } from './token-service.js';
import type { TokenServiceOptions } from './token-service.js';
import { TokenInvalidError } from './types.js';
import type { AccessClaim, SigningKeyMaterial, TokenRejection, TokenSubject } from './types.js';

const START = new Date('2026-11-29T12:00:00Z');
const alice: TokenSubject = { kind: 'user', name: 'alice' };
const access: AccessClaim[] = [
  { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
  { type: 'registry', name: 'catalog', actions: ['*'] },
];

let material: SigningKeyMaterial;
let otherMaterial: SigningKeyMaterial;

beforeAll(async () => {
  [material, otherMaterial] = await Promise.all([generateSigningKey(), generateSigningKey()]);
});

/** A service over `material` whose clock the test moves. */
async function serviceAt(overrides: Partial<TokenServiceOptions> = {}, key = material) {
  const clock = { now: START };
  const service = await TokenService.create(key, {
    issuer: 'berth',
    service: 'registry.test',
    ttlSeconds: 300,
    refreshTtlSeconds: 86_400,
    now: () => clock.now,
    ...overrides,
  });
  const advance = (seconds: number): void => {
    clock.now = new Date(START.getTime() + seconds * 1000);
  };
  return { service, advance };
}

async function rejectionOf(promise: Promise<unknown>): Promise<TokenInvalidError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TokenInvalidError);
    return error as TokenInvalidError;
  }
  throw new Error('expected a TokenInvalidError');
}

async function expectRejected(promise: Promise<unknown>, reason: TokenRejection): Promise<TokenInvalidError> {
  const error = await rejectionOf(promise);
  expect(error.reason).toBe(reason);
  expect(error.message.length).toBeGreaterThan(0);
  return error;
}

/** A token for alice signed outside the service, with `material`'s kid and the given private key. */
async function signedByHand(claims: Record<string, unknown>, jti: string, privateKey: Parameters<SignJWT['sign']>[0]): Promise<string> {
  const iat = START.getTime() / 1000;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: material.kid, typ: 'JWT' })
    .setIssuer('berth')
    .setSubject('alice')
    .setAudience('registry.test')
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + 300)
    .setJti(jti)
    .sign(privateKey);
}

function replacePayload(token: string, change: (claims: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
  change(claims);
  return [header, base64url.encode(JSON.stringify(claims)), signature].join('.');
}

describe('TokenService access tokens', () => {
  it('round-trips subject, access, times and id', async () => {
    const { service } = await serviceAt();
    const issued = await service.issueAccessToken(alice, access);
    expect(issued.expiresIn).toBe(300);
    expect(issued.issuedAt).toEqual(START);

    const verified = await service.verifyAccessToken(issued.token);
    expect(verified.subject).toEqual(alice);
    expect(verified.access).toEqual(access);
    expect(verified.issuedAt).toEqual(START);
    expect(verified.expiresAt).toEqual(new Date(START.getTime() + 300_000));
    expect(verified.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('writes the header and claims the token spec and Berth expect', async () => {
    const { service } = await serviceAt();
    const { token } = await service.issueAccessToken(alice, access);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: material.kid, typ: 'JWT' });
    const iat = START.getTime() / 1000;
    expect(decodeJwt(token)).toMatchObject({
      iss: 'berth',
      sub: 'alice',
      aud: 'registry.test',
      iat,
      nbf: iat,
      exp: iat + 300,
      access,
      berth_kind: 'user',
      berth_use: 'access',
    });
  });

  it('gives every token its own id', async () => {
    const { service } = await serviceAt();
    const [a, b] = await Promise.all([service.issueAccessToken(alice, []), service.issueAccessToken(alice, [])]);
    expect((await service.verifyAccessToken(a.token)).id).not.toBe((await service.verifyAccessToken(b.token)).id);
  });

  it('issues anonymous tokens with an empty subject', async () => {
    const { service } = await serviceAt();
    const { token } = await service.issueAccessToken({ kind: 'anonymous', name: '' }, []);
    expect((await service.verifyAccessToken(token)).subject).toEqual({ kind: 'anonymous', name: '' });
  });

  it('refuses to issue for an inconsistent subject', async () => {
    const { service } = await serviceAt();
    await expect(service.issueAccessToken({ kind: 'user', name: '' }, [])).rejects.toThrow('must have a name');
    await expect(service.issueAccessToken({ kind: 'anonymous', name: 'x' }, [])).rejects.toThrow('must have an empty name');
  });

  it(`expires after its ttl plus ${CLOCK_TOLERANCE_SECONDS}s of tolerance`, async () => {
    const { service, advance } = await serviceAt();
    const { token } = await service.issueAccessToken(alice, access);
    advance(300 + CLOCK_TOLERANCE_SECONDS - 1);
    await expect(service.verifyAccessToken(token)).resolves.toMatchObject({ subject: alice });
    advance(300 + CLOCK_TOLERANCE_SECONDS + 1);
    await expectRejected(service.verifyAccessToken(token), 'expired');
  });

  it('verified once, is refused all the same once expired, and a tampered copy is refused', async () => {
    const { service, advance } = await serviceAt();
    const { token } = await service.issueAccessToken(alice, access);
    const first = await service.verifyAccessToken(token);
    // The second verification of the same text is the remembered one.
    expect(await service.verifyAccessToken(token)).toBe(first);
    const forged = replacePayload(token, (claims) => {
      claims.access = [{ type: 'repository', name: 'team/app', actions: ['pull', 'push', 'delete'] }];
    });
    await expectRejected(service.verifyAccessToken(forged), 'signature');
    await expectRejected(service.verifyAccessToken(`${token}A`), 'signature');
    // A clock gone back before the verification is not answered from memory: too early.
    advance(-(CLOCK_TOLERANCE_SECONDS + 5));
    await expectRejected(service.verifyAccessToken(token), 'not-yet-valid');
    advance(0);
    expect(await service.verifyAccessToken(token)).toMatchObject({ subject: alice });
    advance(300 + CLOCK_TOLERANCE_SECONDS + 1);
    await expectRejected(service.verifyAccessToken(token), 'expired');
  });

  it('is not valid before it was issued (beyond the tolerance)', async () => {
    const { service, advance } = await serviceAt();
    const { token } = await service.issueAccessToken(alice, access);
    advance(-(CLOCK_TOLERANCE_SECONDS + 5));
    await expectRejected(service.verifyAccessToken(token), 'not-yet-valid');
  });

  it('refuses a tampered payload', async () => {
    const { service } = await serviceAt();
    const { token } = await service.issueAccessToken(alice, access);
    const forged = replacePayload(token, (claims) => {
      claims.access = [{ type: 'repository', name: 'team/app', actions: ['pull', 'push', 'delete'] }];
    });
    await expectRejected(service.verifyAccessToken(forged), 'signature');
  });

  it('refuses a token signed by another key, whatever kid it claims', async () => {
    const { service } = await serviceAt();
    const { service: other } = await serviceAt({}, otherMaterial);
    const { token } = await other.issueAccessToken(alice, access);
    expect((await expectRejected(service.verifyAccessToken(token), 'signature')).message).toContain('another key');

    const sameKid = await signedByHand({ access, berth_kind: 'user', berth_use: 'access' }, 'forged', (await loadSigningKey(otherMaterial)).privateKey);
    await expectRejected(service.verifyAccessToken(sameKid), 'signature');
  });

  it('refuses another audience and another issuer', async () => {
    const { service } = await serviceAt();
    const { service: otherAudience } = await serviceAt({ service: 'elsewhere' });
    const { service: otherIssuer } = await serviceAt({ issuer: 'not-berth' });
    await expectRejected(service.verifyAccessToken((await otherAudience.issueAccessToken(alice, access)).token), 'audience');
    await expectRejected(service.verifyAccessToken((await otherIssuer.issueAccessToken(alice, access)).token), 'issuer');
  });

  it('refuses alg none and HS256 before verifying anything', async () => {
    const { service } = await serviceAt();
    const { token } = await service.issueAccessToken(alice, access);
    const [, payload] = token.split('.') as [string, string];
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', kid: material.kid, typ: 'JWT' }))}.${payload}.`;
    expect((await expectRejected(service.verifyAccessToken(none), 'signature')).message).toContain('only ES256');

    const hmac = await new SignJWT(decodeJwt(token))
      .setProtectedHeader({ alg: 'HS256', kid: material.kid, typ: 'JWT' })
      .sign(new TextEncoder().encode('a shared secret of thirty-two bytes'));
    await expectRejected(service.verifyAccessToken(hmac), 'signature');
  });

  it.each(['', 'abc', 'a.b.c', 'a.b.c.d.e'])('refuses the malformed token %j', async (token) => {
    const { service } = await serviceAt();
    await expectRejected(service.verifyAccessToken(token), 'malformed');
  });

  it('refuses a correctly signed token without a well-formed access claim', async () => {
    const { service } = await serviceAt();
    const token = await signedByHand({ access: 'repository:team/app:pull', berth_kind: 'user', berth_use: 'access' }, 'id', (await loadSigningKey(material)).privateKey);
    await expectRejected(service.verifyAccessToken(token), 'malformed');
  });
});

describe('TokenService refresh tokens', () => {
  it('round-trips the subject for a longer lifetime', async () => {
    const { service, advance } = await serviceAt();
    const token = await service.issueRefreshToken({ kind: 'robot', name: 'robot$team+ci' });
    expect(decodeJwt(token)).toMatchObject({ berth_use: 'refresh', exp: START.getTime() / 1000 + 86_400 });
    expect(decodeJwt(token).access).toBeUndefined();
    advance(3600);
    await expect(service.verifyRefreshToken(token)).resolves.toEqual({ kind: 'robot', name: 'robot$team+ci' });
    advance(86_400 + CLOCK_TOLERANCE_SECONDS + 1);
    await expectRejected(service.verifyRefreshToken(token), 'expired');
  });

  it('carries the credential stamp in berth_cs, for refresh and access tokens alike', async () => {
    const { service } = await serviceAt();
    const stamped = { kind: 'user', name: 'alice', credentialStamp: 'stamp-1' } as const;
    const refresh = await service.issueRefreshToken(stamped);
    expect(decodeJwt(refresh)).toMatchObject({ berth_cs: 'stamp-1' });
    await expect(service.verifyRefreshToken(refresh)).resolves.toEqual(stamped);
    const { token } = await service.issueAccessToken(stamped, access);
    expect((await service.verifyAccessToken(token)).subject).toEqual(stamped);
    await expect(service.issueAccessToken({ kind: 'anonymous', name: '', credentialStamp: 'x' }, [])).rejects.toThrow('credential stamp');
  });

  it('refuses to issue one to an anonymous caller', async () => {
    const { service } = await serviceAt();
    await expect(service.issueRefreshToken({ kind: 'anonymous', name: '' })).rejects.toThrow('anonymous');
  });

  it('keeps access and refresh tokens apart', async () => {
    const { service } = await serviceAt();
    const refresh = await service.issueRefreshToken(alice);
    const { token: accessToken } = await service.issueAccessToken(alice, access);
    await expectRejected(service.verifyAccessToken(refresh), 'kind');
    await expectRejected(service.verifyRefreshToken(accessToken), 'kind');
  });
});

describe('TokenService keys and options', () => {
  it('publishes only the public key, which verifies its tokens', async () => {
    const { service } = await serviceAt({ now: () => new Date() });
    const jwks = service.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: material.kid,
      alg: 'ES256',
      use: 'sig',
    });
    const { token } = await service.issueAccessToken(alice, access);
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]), {
      issuer: 'berth',
      audience: 'registry.test',
    });
    expect(payload.sub).toBe('alice');
  });

  it('exposes its settings', async () => {
    const { service } = await serviceAt();
    expect([service.issuer, service.service, service.ttlSeconds, service.kid]).toEqual(['berth', 'registry.test', 300, material.kid]);
  });

  it('refuses bad options', async () => {
    await expect(serviceAt({ ttlSeconds: 0 })).rejects.toThrow('ttlSeconds must be a positive integer');
    await expect(serviceAt({ refreshTtlSeconds: 1.5 })).rejects.toThrow('refreshTtlSeconds');
    await expect(serviceAt({ service: '' })).rejects.toThrow('service must not be empty');
  });
});
