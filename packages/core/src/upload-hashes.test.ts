import { describe, it, expect } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { UploadHash, UploadHashes } from './upload-hashes.js';

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

const at = new Date(0);

describe('UploadHash', () => {
  it('hashes what it passes on, and advances only by exactly the bytes it saw', async () => {
    const hash = new UploadHash(0, at);
    const body = Buffer.from('hello, blob');
    expect((await drain(hash.feed(Readable.from([body.subarray(0, 5), body.subarray(5)])))).equals(body)).toBe(true);
    expect(hash.advance(body.length + 1, at)).toBe(false); // the store holds more than was hashed
    expect(hash.advance(body.length, new Date(1))).toBe(true);
    expect(hash).toMatchObject({ offset: body.length, mark: new Date(1), pending: 0 });
    expect(await hash.digest()).toBe(`sha256:${createHash('sha256').update(body).digest('hex')}`);
    await expect(hash.digest()).rejects.toThrow(); // ended
  });

  it('refuses a digest while fed bytes were not recorded', async () => {
    const hash = new UploadHash(0, at);
    await drain(hash.feed(Readable.from([Buffer.from('abc')])));
    await expect(hash.digest()).rejects.toThrow();
  });
});

describe('UploadHashes', () => {
  it('keeps at most maxSessions, dropping the least recently stored', () => {
    const hashes = new UploadHashes({ maxSessions: 2, idleMs: 60_000 });
    hashes.put('a', new UploadHash(0, at));
    hashes.put('b', new UploadHash(0, at));
    const a = hashes.take('a')!;
    hashes.put('a', a); // 'a' is now the most recent
    hashes.put('c', new UploadHash(0, at));
    expect(hashes.size).toBe(2);
    expect(hashes.take('b')).toBeUndefined();
    expect(hashes.take('a')).toBe(a);
  });

  it('drops hashes idle longer than idleMs, and on drop', () => {
    let now = 0;
    const hashes = new UploadHashes({ maxSessions: 10, idleMs: 1000 }, () => now);
    hashes.put('old', new UploadHash(0, at));
    now = 600;
    hashes.put('new', new UploadHash(0, at));
    now = 1500;
    expect(hashes.take('old')).toBeUndefined();
    hashes.drop('new');
    expect(hashes.take('new')).toBeUndefined();
    expect(hashes.size).toBe(0);
  });
});
