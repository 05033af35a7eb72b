import * as z from 'zod';
import { nonEmpty, secret } from './primitives.js';

const DAY = 24 * 60 * 60;

/** The token audience and challenge `service` when neither auth.service nor server.publicUrl is set. */
export const DEFAULT_AUTH_SERVICE = 'berth';

/** A user name: lowercase letters and digits in runs separated by single ".", "_" or "-". */
const USER_NAME = /^[a-z0-9]+([._-][a-z0-9]+)*$/;

const userName = z
  .string()
  .min(2)
  .max(64)
  .regex(USER_NAME, 'must be lowercase letters and digits, separated by single ".", "_" or "-"');

/** The system administrator ensured at every start; a configured password replaces a stored one that differs. */
const adminSchema = z.strictObject({
  username: userName.default('admin'),
  password: secret.min(8).optional(),
});

/** Repeated failed logins lock an account for a while; maxFailures 0 turns this off. */
const lockoutSchema = z.strictObject({
  maxFailures: z.int().min(0).default(5),
  windowSeconds: z.int().min(1).default(300),
  lockSeconds: z.int().min(1).default(300),
});

export const authSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Absent: derived from server.publicUrl by the top-level transform (see serviceFor). */
  service: nonEmpty.optional(),
  issuer: nonEmpty.default('berth'),
  tokenTtlSeconds: z.int().min(30).max(DAY).default(300),
  refreshTokenTtlSeconds: z.int().min(60).default(30 * DAY),
  signingKeyFile: nonEmpty.optional(),
  admin: adminSchema.prefault({}),
  lockout: lockoutSchema.prefault({}),
  anonymousPull: z.boolean().default(true),
});

/**
 * The default token audience: the host[:port] clients reach Berth at (what `docker login` names),
 * so tokens from one deployment are not accepted by another; `berth` without a public URL.
 */
export function serviceFor(publicUrl: string | undefined): string {
  return publicUrl !== undefined ? new URL(publicUrl).host : DEFAULT_AUTH_SERVICE;
}
