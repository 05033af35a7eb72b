/**
 * Reading Berth's own claims back out of a verified token payload. The signature says Berth wrote
 * them, but a token from an older or newer release (or a bug) must still fail cleanly, so every
 * shape is checked and anything unexpected is a 'malformed' rejection.
 */
import { REPOSITORY_ACTIONS, TokenInvalidError } from './types.js';
import type { AccessClaim, TokenSubject } from './types.js';

const SUBJECT_KINDS: ReadonlySet<string> = new Set<TokenSubject['kind']>(['anonymous', 'user', 'robot']);
const ACTIONS_BY_TYPE: Readonly<Record<AccessClaim['type'], ReadonlySet<string>>> = {
  repository: new Set(REPOSITORY_ACTIONS),
  registry: new Set(['*']),
};

function malformed(message: string): TokenInvalidError {
  return new TokenInvalidError('malformed', message);
}

/**
 * The subject from `berth_kind`, `sub` and `berth_cs`: anonymous has an empty name and no stamp,
 * accounts a non-empty name and (when the token was issued with one) a non-empty stamp.
 */
export function readSubject(kind: unknown, sub: unknown, stamp?: unknown): TokenSubject {
  if (typeof kind !== 'string' || !SUBJECT_KINDS.has(kind)) {
    throw malformed(`unknown subject kind ${JSON.stringify(kind ?? null)}`);
  }
  if (typeof sub !== 'string') throw malformed('the sub claim is not a string');
  if ((kind === 'anonymous') !== (sub === '')) throw malformed(`a ${kind} token with subject "${sub}"`);
  const subject: TokenSubject = { kind: kind as TokenSubject['kind'], name: sub };
  if (stamp === undefined) return subject;
  if (typeof stamp !== 'string' || stamp === '' || kind === 'anonymous') throw malformed(`a ${kind} token with credential stamp ${JSON.stringify(stamp)}`);
  return { ...subject, credentialStamp: stamp };
}

function readEntry(entry: unknown, index: number): AccessClaim {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw malformed(`access[${index}] is not an object`);
  }
  const { type, name, actions } = entry as Record<string, unknown>;
  if (type !== 'repository' && type !== 'registry') {
    throw malformed(`access[${index}] has unknown type ${JSON.stringify(type ?? null)}`);
  }
  if (typeof name !== 'string' || name === '') throw malformed(`access[${index}] has no name`);
  if (!Array.isArray(actions)) throw malformed(`access[${index}].actions is not an array`);
  const allowed = ACTIONS_BY_TYPE[type];
  for (const action of actions) {
    if (typeof action !== 'string' || !allowed.has(action)) {
      throw malformed(`access[${index}] has unknown ${type} action ${JSON.stringify(action)}`);
    }
  }
  return { type, name, actions: [...(actions as string[])] };
}

/** The `access` claim of an access token: an array of {type, name, actions} (possibly empty). */
export function readAccessClaim(value: unknown): AccessClaim[] {
  if (!Array.isArray(value)) throw malformed('the access claim is missing or not an array');
  return value.map(readEntry);
}
