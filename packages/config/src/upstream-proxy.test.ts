import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './index.js';
import { berthConfigSchema } from './schema.js';

// The forward proxy settings: from HTTP_PROXY / HTTPS_PROXY / NO_PROXY (lower case wins), and per project.

const load = (env: Record<string, string>) => loadConfig({ argv: [], env, cwd: '/srv' });

describe('upstreamProxy from the environment', () => {
  it('is empty without proxy variables', () => {
    expect(load({}).upstreamProxy).toEqual({});
  });

  it('takes HTTP_PROXY, HTTPS_PROXY and NO_PROXY, the lower-case spelling over the upper-case one', () => {
    expect(load({ HTTP_PROXY: 'http://a:3128', HTTPS_PROXY: 'http://b:3128', NO_PROXY: 'localhost' }).upstreamProxy)
      .toEqual({ httpProxy: 'http://a:3128', httpsProxy: 'http://b:3128', noProxy: 'localhost' });
    expect(load({ HTTPS_PROXY: 'http://upper:3128', https_proxy: 'http://lower:3128', no_proxy: '.internal' }).upstreamProxy)
      .toEqual({ httpsProxy: 'http://lower:3128', noProxy: '.internal' });
  });

  it('reads host:port as http://host:port, and an empty variable as no proxy', () => {
    expect(load({ HTTPS_PROXY: 'proxy.corp:8080' }).upstreamProxy.httpsProxy).toBe('http://proxy.corp:8080');
    expect(load({ HTTPS_PROXY: '' }).upstreamProxy.httpsProxy).toBeUndefined();
  });

  it('refuses a proxy that is not http(s), naming the variable', () => {
    let error: unknown;
    try {
      load({ HTTPS_PROXY: 'socks5://proxy:1080' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toMatch(/upstreamProxy\.httpsProxy.*HTTPS_PROXY|HTTPS_PROXY.*upstreamProxy\.httpsProxy/s);
  });
});

describe('a project upstream proxy', () => {
  const project = (upstream: Record<string, unknown>) => ({ projects: [{ kind: 'proxy', name: 'hub', upstream: { url: 'https://registry-1.docker.io', ...upstream } }] });

  it('accepts proxy and noProxy', () => {
    const config = berthConfigSchema.parse(project({ proxy: 'http://proxy:3128', noProxy: '*.internal' }));
    expect(config.projects[0]).toMatchObject({ upstream: { proxy: 'http://proxy:3128', noProxy: '*.internal' } });
  });

  it('refuses credentials in it (they would be stored in clear)', () => {
    const result = berthConfigSchema.safeParse(project({ proxy: 'http://user:secret@proxy:3128' }));
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(/must not contain credentials/);
  });
});
