import { describe, it, expect } from '@jest/globals';
import { normalizeClientAddress, trustedProxiesSetting } from './client-address.js';

describe('normalizeClientAddress', () => {
  it('keeps an IPv4 address and unwraps an IPv4-mapped IPv6 one', () => {
    expect(normalizeClientAddress('192.0.2.7')).toBe('192.0.2.7');
    expect(normalizeClientAddress('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(normalizeClientAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
  });

  it('counts an IPv6 address as its /64', () => {
    expect(normalizeClientAddress('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(normalizeClientAddress('2001:0db8:0001:0002::1')).toBe('2001:db8:1:2::/64');
    expect(normalizeClientAddress('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(normalizeClientAddress('::1')).toBe('::/64');
  });

  it('never returns an empty key or one with spaces', () => {
    expect(normalizeClientAddress('')).toBe('unknown');
    expect(normalizeClientAddress('not an address')).toBe('notanaddress');
  });
});

describe('trustedProxiesSetting', () => {
  it('trusts nobody unless told', () => {
    expect(trustedProxiesSetting({ trustProxy: false, trustedProxies: [] })).toBe(false);
  });

  it('lists the configured proxies, and private networks for trustProxy: true', () => {
    expect(trustedProxiesSetting({ trustProxy: false, trustedProxies: ['203.0.113.9', '10.0.0.0/8'] })).toEqual(['203.0.113.9', '10.0.0.0/8']);
    expect(trustedProxiesSetting({ trustProxy: true, trustedProxies: ['203.0.113.9', 'loopback'] })).toEqual(['203.0.113.9', 'loopback', 'linklocal', 'uniquelocal']);
  });
});
