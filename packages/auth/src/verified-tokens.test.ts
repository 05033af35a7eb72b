import { describe, expect, it } from '@jest/globals';
import { VerifiedTokens } from './verified-tokens.js';

const at = (ms: number) => new Date(ms);
const claims = (expiresAtMs: number, id = 'x') => ({ expiresAt: at(expiresAtMs), id });

describe('VerifiedTokens', () => {
  it('serves an entry from its verification until its expiry, then forgets it', () => {
    const tokens = new VerifiedTokens<ReturnType<typeof claims>>();
    tokens.set('t', claims(10_000), at(1_000));
    expect(tokens.get('t', at(1_000))?.id).toBe('x');
    expect(tokens.get('t', at(9_999))?.id).toBe('x');
    expect(tokens.get('t', at(10_000))).toBeUndefined();
    expect(tokens.size).toBe(0);
    expect(tokens.get('t', at(5_000))).toBeUndefined();
  });

  it('serves nothing for a clock that went back before the verification (nbf was checked then, not for earlier)', () => {
    const tokens = new VerifiedTokens<ReturnType<typeof claims>>();
    tokens.set('t', claims(10_000), at(5_000));
    expect(tokens.get('t', at(4_999))).toBeUndefined();
    expect(tokens.get('t', at(5_000))).toBeUndefined();
  });

  it('matches the exact text only', () => {
    const tokens = new VerifiedTokens<ReturnType<typeof claims>>();
    tokens.set('aaa.bbb.ccc', claims(10_000), at(0));
    expect(tokens.get('aaa.bbb.ccd', at(1))).toBeUndefined();
    expect(tokens.get('aaa.bbb.cc', at(1))).toBeUndefined();
    expect(tokens.get('aaa.bbb.ccc', at(1))).toBeDefined();
  });

  it('keeps at most maxEntries, the oldest verified going first', () => {
    const tokens = new VerifiedTokens<ReturnType<typeof claims>>(3);
    for (const token of ['a', 'b', 'c', 'd']) tokens.set(token, claims(10_000, token), at(0));
    expect(tokens.size).toBe(3);
    expect(tokens.get('a', at(1))).toBeUndefined();
    expect(tokens.get('d', at(1))?.id).toBe('d');
    tokens.set('b', claims(10_000, 'b2'), at(2)); // set again: now the newest
    tokens.set('e', claims(10_000, 'e'), at(2));
    expect(tokens.get('c', at(3))).toBeUndefined();
    expect(tokens.get('b', at(3))?.id).toBe('b2');
  });
});
