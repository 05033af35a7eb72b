import { describe, it, expect } from '@jest/globals';
import { ManifestMemory } from './manifest-memory.js';

const manifest = (size: number, digest = `sha256:${size}`) => ({ digest, mediaType: 'x', content: new Uint8Array(size), subject: null });

describe('ManifestMemory', () => {
  it('returns what was set, most recently used kept when the byte budget is spent', () => {
    const memory = new ManifestMemory(1600);
    memory.set(1, 'hub/a', 'v1', { manifest: manifest(100), checkedAt: 5 });
    memory.set(1, 'hub/a', 'v2', { manifest: manifest(100, 'sha256:b') });
    expect(memory.get(1, 'hub/a', 'v1')).toMatchObject({ manifest: manifest(100), checkedAt: 5 });
    memory.set(1, 'hub/b', 'v1', { manifest: manifest(100, 'sha256:c') }); // 300 bytes: fits
    for (let i = 0; i < 14; i += 1) memory.set(2, 'other', `t${i}`, { manifest: manifest(100, `sha256:o${i}`) });
    // 1700 bytes set, 1600 allowed: the least recently used (hub/a v2; v1 was read since) went.
    expect(memory.get(1, 'hub/a', 'v2')).toBeUndefined();
    expect(memory.get(1, 'hub/a', 'v1')).toBeDefined();
    expect(memory.get(1, 'hub/b', 'v1')).toBeDefined();
    expect(memory.get(2, 'other', 't13')).toBeDefined();
  });

  it('skips an entry larger than a sixteenth of the budget', () => {
    const memory = new ManifestMemory(1600);
    memory.set(1, 'hub/a', 'big', { manifest: manifest(101) });
    expect(memory.get(1, 'hub/a', 'big')).toBeUndefined();
  });

  it('forgets one repository only, not another whose name starts the same', () => {
    const memory = new ManifestMemory();
    memory.set(1, 'hub/a', 'v1', { manifest: manifest(10) });
    memory.set(1, 'hub/a/b', 'v1', { manifest: manifest(10) });
    memory.set(2, 'hub/a', 'v1', { manifest: manifest(10) });
    memory.forgetRepository(1, 'hub/a');
    expect(memory.get(1, 'hub/a', 'v1')).toBeUndefined();
    expect(memory.get(1, 'hub/a/b', 'v1')).toBeDefined();
    expect(memory.get(2, 'hub/a', 'v1')).toBeDefined();
  });

  it('forgets an entry once it is older than the maximum age (another process may have evicted it)', () => {
    let now = 1_000;
    const memory = new ManifestMemory(1600, 30_000, () => now);
    memory.set(1, 'hub/a', 'sha256:x', { manifest: manifest(10) });
    now += 29_999;
    expect(memory.get(1, 'hub/a', 'sha256:x')).toBeDefined();
    now += 1;
    expect(memory.get(1, 'hub/a', 'sha256:x')).toBeUndefined();
    memory.set(1, 'hub/a', 'sha256:x', { manifest: manifest(10) });
    expect(memory.get(1, 'hub/a', 'sha256:x')).toBeDefined();
  });
});
