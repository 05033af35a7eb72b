/**
 * Issues and verifies Berth's registry tokens: ES256 JWTs in the Docker token spec's shape
 * (`access` claim), plus refresh tokens for `docker login`'s OAuth2 flow. Only tokens signed by
 * this service's own key with ES256 are accepted.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { SIGNING_ALGORITHM, loadSigningKey } from './signing-keys.js';
import type { LoadedSigningKey } from './signing-keys.js';
import { readAccessClaim, readSubject } from './token-claims.js';
import { TokenInvalidError } from './types.js';
import { VerifiedTokens } from './verified-tokens.js';
import type { AccessClaim, IssuedToken, SigningKeyMaterial, TokenRejection, TokenSubject, VerifiedAccessToken } from './types.js';

/**
 * Clock skew allowed on `nbf` and `exp`. Tokens are issued and verified by Berth itself, but by
 * any replica behind a load balancer: a few seconds cover unsynchronised clocks without stretching
 * a token's life noticeably.
 */
export const CLOCK_TOLERANCE_SECONDS = 5;

export interface TokenServiceOptions {
  /** The `iss` claim. */
  issuer: string;
  /** The `aud` claim and the `service` of the token endpoint. */
  service: string;
  ttlSeconds: number;
  refreshTtlSeconds: number;
  now?: () => Date;
}

type TokenUse = 'access' | 'refresh';

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The rejection reason for an error thrown by jose while verifying. */
function rejectionOf(error: unknown): TokenRejection {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) return 'signature';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'issuer';
    if (error.claim === 'aud') return 'audience';
    if (error.claim === 'nbf') return 'not-yet-valid';
  }
  return 'malformed';
}

export class TokenService {
  private readonly verified = new VerifiedTokens<VerifiedAccessToken>();

  private constructor(
    private readonly key: LoadedSigningKey,
    readonly issuer: string,
    readonly service: string,
    readonly ttlSeconds: number,
    readonly refreshTtlSeconds: number,
    private readonly now: () => Date,
  ) {}

  static async create(key: SigningKeyMaterial, options: TokenServiceOptions): Promise<TokenService> {
    if (options.issuer === '') throw new Error('issuer must not be empty');
    if (options.service === '') throw new Error('service must not be empty');
    return new TokenService(
      await loadSigningKey(key),
      options.issuer,
      options.service,
      positiveInteger('ttlSeconds', options.ttlSeconds),
      positiveInteger('refreshTtlSeconds', options.refreshTtlSeconds),
      options.now ?? (() => new Date()),
    );
  }

  get kid(): string {
    return this.key.kid;
  }

  async issueAccessToken(subject: TokenSubject, access: AccessClaim[]): Promise<IssuedToken> {
    const claims = { access: access.map((claim) => ({ ...claim, actions: [...claim.actions] })) };
    return this.sign(subject, 'access', claims, this.ttlSeconds);
  }

  async issueRefreshToken(subject: TokenSubject): Promise<string> {
    if (subject.kind === 'anonymous') throw new Error('refresh tokens are not issued to anonymous callers');
    return (await this.sign(subject, 'refresh', {}, this.refreshTtlSeconds)).token;
  }

  /** The token's claims; the same object for every request that sends the same token (do not change it). */
  async verifyAccessToken(token: string): Promise<VerifiedAccessToken> {
    const now = this.now();
    const known = this.verified.get(token, now);
    if (known !== undefined) return known;
    const payload = await this.verify(token, 'access');
    const { subject, issuedAt, expiresAt, id } = this.readCommon(payload);
    const verified = { subject, access: readAccessClaim(payload.access), issuedAt, expiresAt, id };
    this.verified.set(token, verified, now);
    return verified;
  }

  /**
   * The account a refresh token stands for; the caller still checks that it exists, is enabled and
   * still has the token's credential stamp.
   */
  async verifyRefreshToken(token: string): Promise<TokenSubject> {
    const { subject } = this.readCommon(await this.verify(token, 'refresh'));
    if (subject.kind === 'anonymous') throw new TokenInvalidError('malformed', 'refresh token for an anonymous subject');
    return subject;
  }

  /** The public key as a JWK Set, for anyone who wants to verify Berth's tokens. */
  jwks(): { keys: Array<Record<string, unknown>> } {
    return { keys: [{ ...this.key.publicJwk, kid: this.key.kid, alg: SIGNING_ALGORITHM, use: 'sig' }] };
  }

  private async sign(subject: TokenSubject, use: TokenUse, claims: JWTPayload, ttlSeconds: number): Promise<IssuedToken> {
    if ((subject.kind === 'anonymous') !== (subject.name === '')) {
      throw new Error(`a ${subject.kind} subject must have ${subject.kind === 'anonymous' ? 'an empty' : 'a'} name`);
    }
    if (subject.kind === 'anonymous' && subject.credentialStamp !== undefined) throw new Error('an anonymous subject has no credential stamp');
    const stamp = subject.credentialStamp !== undefined ? { berth_cs: subject.credentialStamp } : {};
    const issuedAtSeconds = Math.floor(this.now().getTime() / 1000);
    const token = await new SignJWT({ ...claims, ...stamp, berth_kind: subject.kind, berth_use: use })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: this.key.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(subject.name)
      .setAudience(this.service)
      .setIssuedAt(issuedAtSeconds)
      .setNotBefore(issuedAtSeconds)
      .setExpirationTime(issuedAtSeconds + ttlSeconds)
      .setJti(randomBytes(16).toString('base64url'))
      .sign(this.key.privateKey);
    return { token, expiresIn: ttlSeconds, issuedAt: new Date(issuedAtSeconds * 1000) };
  }

  private async verify(token: string, use: TokenUse): Promise<JWTPayload> {
    if (typeof token !== 'string' || token === '') throw new TokenInvalidError('malformed', 'empty token');
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch (error) {
      throw new TokenInvalidError('malformed', `token is not a JWS: ${messageOf(error)}`);
    }
    // Checked before jose sees the token so "alg": "none" or HS256 never reaches a verifier.
    if (header.alg !== SIGNING_ALGORITHM) {
      throw new TokenInvalidError('signature', `token algorithm ${String(header.alg)} is not accepted (only ES256)`);
    }
    if (header.kid !== this.key.kid) {
      throw new TokenInvalidError('signature', `token was signed by another key (kid ${String(header.kid)})`);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key.publicKey, {
        algorithms: [SIGNING_ALGORITHM],
        issuer: this.issuer,
        audience: this.service,
        typ: 'JWT',
        requiredClaims: ['iss', 'sub', 'aud', 'iat', 'nbf', 'exp', 'jti'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: this.now(),
      }));
    } catch (error) {
      throw new TokenInvalidError(rejectionOf(error), `token refused: ${messageOf(error)}`);
    }
    if (payload.berth_use !== use) {
      throw new TokenInvalidError('kind', `expected a ${use} token, got ${JSON.stringify(payload.berth_use ?? null)}`);
    }
    return payload;
  }

  private readCommon(payload: JWTPayload): { subject: TokenSubject; issuedAt: Date; expiresAt: Date; id: string } {
    const { iat, exp, jti } = payload;
    if (typeof iat !== 'number' || typeof exp !== 'number' || typeof jti !== 'string' || jti === '') {
      throw new TokenInvalidError('malformed', 'token lacks a numeric iat/exp or a jti');
    }
    const subject = readSubject(payload.berth_kind, payload.sub, payload.berth_cs);
    return { subject, issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000), id: jti };
  }
}
