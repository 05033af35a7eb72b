import { describe, it, expect } from '@jest/globals';
import { ReferrersMemory } from './referrers-memory.js';

const answer = (text: string) => ({ body: Buffer.from(text), filtered: false });

describe('ReferrersMemory', () => {
  it('answers only for the basis it was made from, and for a minute at most', () => {
    let now = 0;
    const memory = new ReferrersMemory(() => now);
    memory.set('k', '1 100', answer('a'));
    expect(memory.get('k', '1 100')?.body.toString()).toBe('a');
    expect(memory.get('k', '2 100')).toBeUndefined(); // the content changed
    expect(memory.get('k', '1 100')).toBeUndefined(); // and the outdated entry is gone
    memory.set('k', '2 100', answer('b'));
    now = 59_999;
    expect(memory.get('k', '2 100')?.body.toString()).toBe('b');
    now = 60_000;
    expect(memory.get('k', '2 100')).toBeUndefined();
  });
});
