import { describe, expect, it } from '@jest/globals';
import { UpstreamError } from './errors.js';
import { pinnedRealm } from './realm.js';

const refuse = (upstream: string, realm: string, hosts: string[] = []) => {
  try {
    pinnedRealm('up', new URL(upstream), realm, hosts);
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('pinnedRealm', () => {
  it('allows the upstream host itself', () => {
    expect(pinnedRealm('up', new URL('http://127.0.0.1:5000'), 'http://127.0.0.1:5000/token?x=1').pathname).toBe('/token');
  });

  it('allows hosts from tokenRealmHosts, with or without a port', () => {
    expect(refuse('https://reg.example', 'https://auth.example/token', ['auth.example'])).toBeUndefined();
    expect(refuse('https://reg.example', 'https://auth.example:8443/token', ['auth.example'])).toBeUndefined();
    expect(refuse('https://reg.example', 'https://auth.example:8443/token', ['auth.example:8443'])).toBeUndefined();
    expect(refuse('https://reg.example', 'https://auth.example:9443/token', ['auth.example:8443'])).toBeInstanceOf(UpstreamError);
  });

  it("allows auth.docker.io for Docker Hub's registry only", () => {
    expect(refuse('https://registry-1.docker.io', 'https://auth.docker.io/token')).toBeUndefined();
    expect(refuse('https://mirror.example', 'https://auth.docker.io/token')).toBeInstanceOf(UpstreamError);
  });

  it('refuses other hosts, other ports, downgrades and user info, naming the realm but no secret', () => {
    const error = refuse('http://127.0.0.1:5000', 'http://evil.example/collect?secret=abc');
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe('DENIED');
    expect((error as UpstreamError).message).toContain('http://evil.example/collect');
    expect((error as UpstreamError).message).not.toContain('secret=abc');
    expect(refuse('http://127.0.0.1:5000', 'http://127.0.0.1:5001/token')).toBeInstanceOf(UpstreamError);
    expect(refuse('https://reg.example', 'http://reg.example/token')).toBeInstanceOf(UpstreamError);
    expect(refuse('https://reg.example', 'https://user:pw@reg.example/token')).toBeInstanceOf(UpstreamError);
    expect(refuse('https://reg.example', 'not a url')).toBeInstanceOf(UpstreamError);
    expect(refuse('https://reg.example', 'ftp://reg.example/token')).toBeInstanceOf(UpstreamError);
  });
});
