import { describe, expect, it } from '@jest/globals';
import { ContentVersionReads, InProcessContentVersions, type ContentVersions } from './content-versions.js';

function counting(base: Pick<ContentVersions, 'current'>): { versions: Pick<ContentVersions, 'current'>; reads: number[] } {
  const reads: number[] = [];
  return { versions: { current: (projectId) => (reads.push(projectId), base.current(projectId)) }, reads };
}

describe('ContentVersionReads', () => {
  it('reads each project once and answers every later ask with that value, also after a change', async () => {
    const shared = new InProcessContentVersions();
    const { versions, reads } = counting(shared);
    const request = new ContentVersionReads(versions);
    expect(await request.current(1)).toBe('0');
    await shared.bump(1);
    // The request keeps the value it read: what it remembers under it only looks outdated sooner.
    expect(await request.current(1)).toBe('0');
    expect(await request.current(2)).toBe('0');
    expect(reads).toEqual([1, 2]);
    // The next request reads again and sees the change.
    expect(await new ContentVersionReads(versions).current(1)).toBe('1');
  });

  it('reuses a failed read: the request treats the version as unknown throughout, asking once', async () => {
    const { versions, reads } = counting({ current: async () => Promise.reject(new Error('redis down')) });
    const request = new ContentVersionReads(versions);
    await expect(request.current(3)).rejects.toThrow('redis down');
    await expect(request.current(3)).rejects.toThrow('redis down');
    expect(reads).toEqual([3]);
  });
});
