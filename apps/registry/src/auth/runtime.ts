import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { generateSigningKey, LoginThrottle, signingKeyFromPem, TokenService, type SigningKeyMaterial } from '@berth/auth';
import type { BerthConfig } from '@berth/config';
import { AccessService, bootstrapAdmin } from '@berth/core';
import type { MetadataStore } from '@berth/db';
import type { AuthRuntime } from './v2-guard.js';

/**
 * Authentication for one process: the signing key (from a file, else the one stored in the
 * database so every replica signs and verifies alike), the token service, the login throttle and
 * the bootstrapped administrator. `clock` (milliseconds since the epoch; Date.now by default) is
 * what tokens, lockouts and robot expiry are measured by: tests move it instead of waiting.
 */
export async function createAuthRuntime(config: BerthConfig, metadata: MetadataStore, logger: Logger, clock?: () => number): Promise<AuthRuntime> {
  const auth = config.auth;
  const key = await loadSigningKey(auth.signingKeyFile, metadata);
  const now = clock === undefined ? {} : { now: () => new Date(clock()) };
  const tokens = await TokenService.create(key, {
    issuer: auth.issuer,
    service: auth.service,
    ttlSeconds: auth.tokenTtlSeconds,
    refreshTtlSeconds: auth.refreshTokenTtlSeconds,
    ...now,
  });
  const bootstrap = await bootstrapAdmin(metadata.accounts, auth.admin);
  if (bootstrap.generatedPassword !== undefined) {
    // Printed once, on the start that created the account; set auth.admin.password to choose it.
    logger.warn({ username: auth.admin.username, password: bootstrap.generatedPassword }, 'created the administrator account with a generated password; change it or set auth.admin.password');
  }
  const throttle = new LoginThrottle({ ...auth.lockout, ...(clock !== undefined ? { now: clock } : {}) });
  const access = new AccessService(metadata, throttle, { anonymousPull: auth.anonymousPull, logger, ...now });
  return { access, tokens, ...(config.server.publicUrl !== undefined ? { publicUrl: config.server.publicUrl } : {}) };
}

async function loadSigningKey(file: string | undefined, metadata: MetadataStore): Promise<SigningKeyMaterial> {
  if (file !== undefined) return signingKeyFromPem(await readFile(file, 'utf8'));
  return metadata.accounts.ensureSigningKey(await generateSigningKey());
}
