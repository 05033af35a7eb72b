/**
 * Password and robot-secret hashing with scrypt. Stored hashes describe themselves
 * (`scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`) so the parameters can be raised later without
 * invalidating existing hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';

const SCHEME = 'scrypt';
const COST = 2 ** 15;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** Bounds on parameters read back from a stored hash, so a corrupt row cannot ask for gigabytes. */
const MAX_COST = 2 ** 20;
const MAX_BLOCK_SIZE = 32;
const MAX_PARALLELISM = 16;
const MAX_KEY_BYTES = 128;

interface ScryptParams {
  cost: number;
  blockSize: number;
  parallelism: number;
  salt: Buffer;
  hash: Buffer;
}

function deriveKey(secret: string, salt: Buffer, keyBytes: number, params: Omit<ScryptParams, 'salt' | 'hash'>): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.cost,
    r: params.blockSize,
    p: params.parallelism,
    // scrypt needs 128·N·r bytes; Node's default limit (32 MiB) is exactly that at N=2^15, r=8 and
    // refuses it, so allow twice the need.
    maxmem: 2 * 128 * params.cost * params.blockSize + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize('NFC'), salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function parseStored(stored: string): ScryptParams | null {
  if (typeof stored !== 'string') return null;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== SCHEME) return null;
  const [, costText, blockText, parallelText, saltText, hashText] = parts as [string, string, string, string, string, string];
  const integer = /^[1-9][0-9]{0,7}$/;
  if (![costText, blockText, parallelText].every((text) => integer.test(text))) return null;
  const cost = Number(costText);
  const blockSize = Number(blockText);
  const parallelism = Number(parallelText);
  const powerOfTwo = cost > 1 && (cost & (cost - 1)) === 0;
  if (!powerOfTwo || cost > MAX_COST || blockSize > MAX_BLOCK_SIZE || parallelism > MAX_PARALLELISM) return null;
  const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
  if (!base64.test(saltText) || !base64.test(hashText)) return null;
  const salt = Buffer.from(saltText, 'base64');
  const hash = Buffer.from(hashText, 'base64');
  if (salt.length === 0 || hash.length < 16 || hash.length > MAX_KEY_BYTES) return null;
  return { cost, blockSize, parallelism, salt, hash };
}

function formatStored(params: ScryptParams): string {
  const { cost, blockSize, parallelism, salt, hash } = params;
  return [SCHEME, cost, blockSize, parallelism, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** A slow salted hash of `secret`, for storing. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const params = { cost: COST, blockSize: BLOCK_SIZE, parallelism: PARALLELISM };
  const hash = await deriveKey(secret, salt, KEY_BYTES, params);
  return formatStored({ ...params, salt, hash });
}

/** Whether `secret` matches a hash from hashSecret; false (never a throw) for a malformed hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const params = parseStored(stored);
  if (params === null || typeof secret !== 'string') return false;
  try {
    const hash = await deriveKey(secret, params.salt, params.hash.length, params);
    return timingSafeEqual(hash, params.hash);
  } catch {
    return false;
  }
}

/** A well-formed hash with the current parameters; no secret derives to an all-zero key in practice. */
export const DUMMY_HASH = formatStored({
  cost: COST,
  blockSize: BLOCK_SIZE,
  parallelism: PARALLELISM,
  salt: Buffer.alloc(SALT_BYTES, 0x5a),
  hash: Buffer.alloc(KEY_BYTES, 0),
});

/**
 * Does the work of a real verification and answers false. Call it when the account does not
 * exist, so the response time does not tell which account names exist.
 */
export async function verifyAgainstDummy(secret: string): Promise<false> {
  await verifySecret(typeof secret === 'string' ? secret : '', DUMMY_HASH);
  return false;
}

/** A new random secret (robot tokens, generated passwords): 32 bytes, base64url. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}
