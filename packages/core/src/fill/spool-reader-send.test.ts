import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spoolPath } from './spool-dir.js';
import { SpoolReader } from './spool-reader.js';
import { SPOOL_MEMORY_BYTES, Spool } from './spool.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-spool-send-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const DIGEST = `sha256:${'cd'.repeat(32)}`;

/** Holds each chunk until its write's callback, a turn later, and only then copies it (as a socket would). */
class SlowSink extends Writable {
  readonly received: Buffer[] = [];
  held = 0;
  maxHeld = 0;

  constructor() {
    super({ highWaterMark: 256 * 1024 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: string, callback: (error?: Error | null) => void): void {
    this.held += 1;
    this.maxHeld = Math.max(this.maxHeld, this.held);
    setImmediate(() => {
      this.received.push(Buffer.from(chunk));
      this.held -= 1;
      callback();
    });
  }

  get bytes(): Buffer {
    return Buffer.concat(this.received);
  }
}

describe('SpoolReader.sendTo', () => {
  it('sends what the fill writes, from memory while it follows and from the file when behind, withholding the last byte until seal', async () => {
    const content = randomBytes(SPOOL_MEMORY_BYTES + 3 * 1024 * 1024 + 17);
    const spool = await Spool.create(spoolPath(dir, DIGEST), content.length);
    const follower = new SlowSink();
    const reader = new SpoolReader(spool);
    let ended = false;
    reader.once('end', () => { ended = true; }); // what the proxy waits for to record the blob
    const following = reader.sendTo(follower);
    for (let at = 0; at < content.length; at += 64 * 1024) await spool.append(content.subarray(at, at + 64 * 1024));
    await spool.flush();
    // Everything is on disk, the oldest bytes out of memory: a late reader with a range reads the file.
    const late = new SlowSink();
    const lateSending = new SpoolReader(spool, { start: 10, end: content.length - 1 }).sendTo(late);
    // Everything but the last byte arrives; the last one waits for the seal (the verified digest).
    for (const deadline = Date.now() + 30_000; follower.bytes.length < content.length - 1 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(follower.bytes.length).toBe(content.length - 1);
    spool.seal();
    await Promise.all([following, lateSending]);
    expect(follower.bytes.equals(content)).toBe(true);
    expect(ended).toBe(true);
    expect(late.bytes.equals(content.subarray(10))).toBe(true);
    expect(Math.max(follower.maxHeld, late.maxHeld)).toBeLessThanOrEqual(4);
    await spool.discard();
  });

  it('rejects with the fill error when the fill fails while it waits', async () => {
    const spool = await Spool.create(spoolPath(dir, DIGEST), 1000);
    await spool.append(randomBytes(100));
    let ended = false;
    const sink = new SlowSink();
    const reader = new SpoolReader(spool);
    reader.once('end', () => { ended = true; });
    const sending = reader.sendTo(sink);
    await new Promise((resolve) => setTimeout(resolve, 20));
    spool.fail(new Error('digest did not match'));
    await expect(sending).rejects.toThrow('digest did not match');
    expect(sink.bytes.length).toBe(100);
    expect(ended).toBe(false); // a failed body never looks complete
    await spool.discard();
  });
});
