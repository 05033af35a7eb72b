import { describe, expect, it } from '@jest/globals';
import { parseChallenges } from './challenge.js';

describe('parseChallenges', () => {
  it('reads a Docker Bearer challenge with a comma inside the quoted scope', () => {
    const header = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push"';
    expect(parseChallenges(header)).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull,push' } },
    ]);
  });

  it('reads several challenges, bare values, spaces and escapes', () => {
    const header = 'Basic realm="Registry \\"x\\"" , Bearer realm=https://r.example/token, error="insufficient_scope", scope = "a b"';
    expect(parseChallenges(header)).toEqual([
      { scheme: 'basic', params: { realm: 'Registry "x"' } },
      { scheme: 'bearer', params: { realm: 'https://r.example/token', error: 'insufficient_scope', scope: 'a b' } },
    ]);
  });

  it('joins several header values and tolerates junk', () => {
    expect(parseChallenges(['Basic realm="a"', 'BEARER realm="b"'])).toEqual([
      { scheme: 'basic', params: { realm: 'a' } },
      { scheme: 'bearer', params: { realm: 'b' } },
    ]);
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges('Negotiate abc==').map((c) => c.scheme)).toEqual(['negotiate']);
    expect(parseChallenges('"quoted" Basic')).toEqual([{ scheme: 'quoted', params: {} }, { scheme: 'basic', params: {} }]);
  });
});
