import { describe, expect, it } from '@jest/globals';
import { bypassesProxy, proxyFor } from './proxy-route.js';

const settings = { httpProxy: 'http://proxy:3128', httpsProxy: 'http://secure-proxy:3128' };

describe('proxyFor', () => {
  it('picks the proxy of the scheme', () => {
    expect(proxyFor(new URL('https://registry-1.docker.io/v2/'), settings)).toBe('http://secure-proxy:3128');
    expect(proxyFor(new URL('http://mirror.internal:5000/v2/'), settings)).toBe('http://proxy:3128');
    expect(proxyFor(new URL('https://ghcr.io/v2/'), { httpProxy: 'http://proxy:3128' })).toBeUndefined();
    expect(proxyFor(new URL('https://ghcr.io/v2/'), undefined)).toBeUndefined();
  });

  it('connects directly to hosts NO_PROXY exempts', () => {
    expect(proxyFor(new URL('https://ghcr.io/v2/'), { ...settings, noProxy: 'localhost, ghcr.io' })).toBeUndefined();
    expect(proxyFor(new URL('https://quay.io/v2/'), { ...settings, noProxy: 'localhost, ghcr.io' })).toBe('http://secure-proxy:3128');
  });
});

describe('bypassesProxy', () => {
  const url = (text: string) => new URL(text);
  it('matches domains and their subdomains, with or without a leading dot or *.', () => {
    for (const entry of ['example.com', '.example.com', '*.example.com']) {
      expect([entry, bypassesProxy(url('https://registry.example.com/'), entry)]).toEqual([entry, true]);
    }
    expect(bypassesProxy(url('https://example.com/'), 'example.com')).toBe(true);
    expect(bypassesProxy(url('https://notexample.com/'), 'example.com')).toBe(false);
  });

  it('honours ports, IP addresses, IPv6 and *', () => {
    expect(bypassesProxy(url('http://127.0.0.1:5000/'), '127.0.0.1:5000')).toBe(true);
    expect(bypassesProxy(url('http://127.0.0.1:5001/'), '127.0.0.1:5000')).toBe(false);
    expect(bypassesProxy(url('https://10.0.0.1/'), '10.0.0.1')).toBe(true);
    expect(bypassesProxy(url('http://[::1]:5000/'), '::1')).toBe(true);
    expect(bypassesProxy(url('http://[::1]:5000/'), '[::1]:5000')).toBe(true);
    expect(bypassesProxy(url('https://anything/'), '*')).toBe(true);
    expect(bypassesProxy(url('https://anything/'), '')).toBe(false);
  });
});
