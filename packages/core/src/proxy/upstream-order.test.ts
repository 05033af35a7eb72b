import { describe, it, expect } from '@jest/globals';
import { OciError } from '@berth/oci';
import { UpstreamError, UpstreamUnavailableError, type UpstreamClient } from '@berth/upstream';
import type { ProxyUpstream } from './proxy-context.js';
import { askInOrder, failureOf, preferring, UpstreamSources } from './upstream-order.js';

const upstream = (name: string): ProxyUpstream => ({ name, repository: `library/${name}`, client: {} as UpstreamClient });
const [a, b, c] = [upstream('a'), upstream('b'), upstream('c')];
const down = (name: string) => new UpstreamUnavailableError(name, 'connection', 'connection refused (ECONNREFUSED)');

describe('askInOrder', () => {
  it('stops at the first upstream that has it; a 404 moves on', async () => {
    const asked: string[] = [];
    const answer = await askInOrder([a, b, c], async (u) => {
      asked.push(u.name);
      return u === a ? null : `from ${u.name}`;
    });
    expect(answer.found?.upstream.name).toBe('b');
    expect(answer.found?.value).toBe('from b');
    expect(asked).toEqual(['a', 'b']);
    expect(failureOf(answer)).toBeUndefined();
  });

  it('skips unavailable and refusing upstreams, and reports the first unavailable one when none has it', async () => {
    const refusal = new UpstreamError('c', 403, new OciError('DENIED', 'no'));
    const answer = await askInOrder([a, b, c], async (u) => {
      if (u === a) throw down('a');
      if (u === c) throw refusal;
      return null;
    });
    expect(answer.found).toBeUndefined();
    expect(answer.unavailable.map((entry) => entry.upstream.name)).toEqual(['a']);
    expect(answer.refused).toBe(refusal);
    expect(failureOf(answer)).toBeInstanceOf(UpstreamUnavailableError);
    expect(failureOf(await askInOrder([c], async () => Promise.reject(refusal)))).toBe(refusal);
  });

  it('lets other errors through', async () => {
    await expect(askInOrder([a], async () => Promise.reject(new TypeError('bug')))).rejects.toThrow('bug');
  });
});

describe('preferring and UpstreamSources', () => {
  it('moves the upstream that served a manifest to the front, keeping the others in order', () => {
    expect(preferring([a, b, c], 'c').map((u) => u.name)).toEqual(['c', 'a', 'b']);
    expect(preferring([a, b, c], undefined).map((u) => u.name)).toEqual(['a', 'b', 'c']);
    expect(preferring([a, b, c], 'gone').map((u) => u.name)).toEqual(['a', 'b', 'c']);
  });

  it('remembers sources per project and repository, bounded', () => {
    const sources = new UpstreamSources(2);
    sources.set(1, 'p/app', 'v1', 'b');
    sources.set(2, 'p/app', 'v1', 'c');
    expect(sources.get(1, 'p/app', 'v1')).toBe('b');
    sources.set(1, 'p/app', 'v2', 'a'); // the oldest entry goes
    expect(sources.get(1, 'p/app', 'v1')).toBeUndefined();
    expect(sources.get(2, 'p/app', 'v1')).toBe('c');
    expect(sources.get(1, 'p/app', 'v2')).toBe('a');
  });
});
