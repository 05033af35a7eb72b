import type { Database } from '../database.js';
import { signingKeys } from '../schema.js';

export interface SigningKey {
  kid: string;
  privateJwk: string;
}

/**
 * Insert the candidate unless a key exists, then read the one row back. The singleton primary key
 * makes concurrent candidates conflict: the losers' inserts wait for the winner's commit and do
 * nothing, so every caller reads the winner's key.
 */
export async function ensureSigningKey(db: Database, candidate: SigningKey): Promise<SigningKey> {
  const inserted = await db
    .insert(signingKeys)
    .values({ kid: candidate.kid, privateJwk: candidate.privateJwk })
    .onConflictDoNothing({ target: signingKeys.id })
    .returning({ kid: signingKeys.kid, privateJwk: signingKeys.privateJwk });
  if (inserted[0] !== undefined) return inserted[0];
  const stored = await db.select({ kid: signingKeys.kid, privateJwk: signingKeys.privateJwk }).from(signingKeys);
  if (stored[0] === undefined) throw new Error('signing key vanished while being ensured');
  return stored[0];
}
