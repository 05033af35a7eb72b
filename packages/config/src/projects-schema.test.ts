import { describe, it, expect } from '@jest/globals';
import { projectSchema, upstreamNameOf } from './projects-schema.js';

function problems(input: unknown): string[] {
  const result = projectSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('proxy project upstreams', () => {
  it('takes an ordered upstreams list, each with its own name and name mapping', () => {
    const project = projectSchema.parse({
      kind: 'proxy',
      name: 'all',
      upstreams: [{ url: 'https://mirror.example:5000', name: 'mirror', nameMapping: { prefix: 'cache/' } }, { url: 'https://registry-1.docker.io' }],
    });
    if (project.kind !== 'proxy') throw new Error('not a proxy project');
    expect(project.upstream).toBeUndefined();
    expect(project.upstreams?.map(upstreamNameOf)).toEqual(['mirror', 'registry-1.docker.io']);
    expect(project.upstreams?.[0]?.nameMapping).toEqual({ prefix: 'cache/', separator: '/', dockerHubLibrary: 'auto' });
    expect(project.upstreams?.[1]?.nameMapping).toBeUndefined();
  });

  it('keeps upstream as the one-element shorthand', () => {
    expect(problems({ kind: 'proxy', name: 'hub', upstream: { url: 'https://registry-1.docker.io' } })).toEqual([]);
  });

  it('names the field when both or neither are given, and when two upstreams share a name', () => {
    expect(problems({ kind: 'proxy', name: 'hub' })).toEqual(['upstream: a proxy project needs upstream (one registry) or upstreams (an ordered list)']);
    expect(problems({ kind: 'proxy', name: 'hub', upstream: { url: 'https://a.example' }, upstreams: [{ url: 'https://b.example' }] })).toEqual([
      'upstreams: give either upstream or upstreams, not both',
    ]);
    expect(problems({ kind: 'proxy', name: 'hub', upstreams: [{ url: 'https://a.example' }, { url: 'https://a.example/other' }] })).toEqual([
      'upstreams.1.name: duplicate upstream name "a.example" (already upstreams[0]; give each a distinct name)',
    ]);
    expect(problems({ kind: 'proxy', name: 'hub', upstreams: [] })).toHaveLength(1);
    expect(problems({ kind: 'proxy', name: 'hub', upstreams: [{ url: 'https://a.example', name: 'Bad Name' }] })[0]).toMatch(/^upstreams\.0\.name: /);
  });
});
