import { describe, it, expect } from '@jest/globals';
import { DUMMY_HASH, generateSecret, hashSecret, verifyAgainstDummy, verifySecret } from './secrets.js';

describe('hashSecret / verifySecret', () => {
  it('writes the self-describing scrypt format', async () => {
    const stored = await hashSecret('correct horse');
    const parts = stored.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', '32768', '8', '1']);
    expect(Buffer.from(parts[4] ?? '', 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[5] ?? '', 'base64')).toHaveLength(32);
  });

  it('verifies the right secret and refuses a wrong one', async () => {
    const stored = await hashSecret('correct horse');
    await expect(verifySecret('correct horse', stored)).resolves.toBe(true);
    await expect(verifySecret('correct hors', stored)).resolves.toBe(false);
    await expect(verifySecret('', stored)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashSecret('same'), hashSecret('same')]);
    expect(a).not.toBe(b);
    await expect(verifySecret('same', b)).resolves.toBe(true);
  });

  it('reads the parameters from the stored hash', async () => {
    const stored = await hashSecret('pw');
    const [, , , , salt, hash] = stored.split('$');
    // The same salt with other parameters derives another key, so the parameters are really used.
    await expect(verifySecret('pw', ['scrypt', '16384', '8', '1', salt, hash].join('$'))).resolves.toBe(false);
  });

  it('treats equivalent Unicode spellings as the same secret', async () => {
    const stored = await hashSecret('caf\u00e9');
    await expect(verifySecret('cafe\u0301', stored)).resolves.toBe(true);
  });

  it.each([
    ['empty', ''],
    ['another scheme', 'bcrypt$2b$10$abc'],
    ['too few fields', 'scrypt$32768$8$1$c2FsdA=='],
    ['cost not a power of two', 'scrypt$30000$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA=='],
    ['huge cost', 'scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA=='],
    ['non-numeric block size', 'scrypt$32768$x$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA=='],
    ['bad base64', 'scrypt$32768$8$1$***$aGFzaGhhc2hoYXNoaGFzaA=='],
    ['short hash', 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0$aGFzaA=='],
  ])('answers false for a malformed stored hash: %s', async (_case, stored) => {
    await expect(verifySecret('anything', stored)).resolves.toBe(false);
  });
});

describe('verifyAgainstDummy', () => {
  // Timing is not asserted (no timed unit tests); what makes it cost a real verification is that the
  // dummy hash is well-formed with today's parameters, so verifySecret runs scrypt in full on it.
  it('answers false for any secret', async () => {
    for (const secret of ['', 'pw', 'a much longer guess than usual']) await expect(verifyAgainstDummy(secret)).resolves.toBe(false);
  });

  it('verifies against a hash with the parameters and field sizes of a real one', async () => {
    const real = (await hashSecret('pw')).split('$');
    const dummy = DUMMY_HASH.split('$');
    expect(dummy.slice(0, 4)).toEqual(real.slice(0, 4));
    expect(dummy.slice(4).map((field) => Buffer.from(field, 'base64').length)).toEqual(real.slice(4).map((field) => Buffer.from(field, 'base64').length));
  });
});

describe('generateSecret', () => {
  it('makes 32 random bytes in base64url', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
  });
});
