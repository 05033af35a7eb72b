import { afterEach } from '@jest/globals';
import { createUpstreamClient } from '../client.js';
import type { UpstreamClient, UpstreamOptions } from '../types.js';
import { startTestServer, type Handler, type TestServer } from './http-server.js';

// Loopback servers and upstream clients that live for one test: stopped and closed after it, last
// first. Call at the top level of a test file (it registers an afterEach).

export interface PerTest {
  server(handler: Handler): Promise<TestServer>;
  /** A client named `test` for the server's URL. */
  client(target: TestServer, extra?: Partial<UpstreamOptions>): UpstreamClient;
}

export function perTest(): PerTest {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });
  return {
    async server(handler) {
      const started = await startTestServer(handler);
      cleanups.push(() => started.stop());
      return started;
    },
    client(target, extra = {}) {
      const upstream = createUpstreamClient({ name: 'test', url: target.url, ...extra });
      cleanups.push(() => upstream.close());
      return upstream;
    },
  };
}
