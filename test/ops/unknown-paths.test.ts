import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { send, type HttpResult } from '../api/helpers.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';

// With authentication off (the embedded default), paths no router serves answer a JSON error body
// (never Express's HTML "Cannot GET"), and the admin API and /token say why they are not there.

let berth: BerthUnderTest;

beforeAll(async () => {
  berth = await startBerth({ config: { auth: { enabled: false } } });
});

afterAll(async () => {
  await berth?.stop();
});

function notFound(answer: HttpResult): string {
  expect(answer.status).toBe(404);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  const body = answer.json<{ errors: Array<{ code: string; message: string }> }>();
  expect(body).toEqual({ errors: [{ code: 'NOT_FOUND', message: expect.any(String) }] });
  return body.errors[0]!.message;
}

describe('unknown paths with authentication off', () => {
  it('GET / points at /v2/; any other unknown path, with any method, is a JSON 404', async () => {
    expect(notFound(await send(berth.url, 'GET', '/'))).toContain('/v2/');
    for (const [method, path] of [['GET', '/nothing'], ['POST', '/v1/x'], ['DELETE', '/metrics/x'], ['PUT', '/%00']] as const) {
      expect(notFound(await send(berth.url, method, path))).toContain('no endpoint');
    }
    const head = await send(berth.url, 'HEAD', '/nothing');
    expect(head.status).toBe(404);
    expect(head.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('the admin API answers every route with why it is unavailable: authentication is off', async () => {
    for (const [method, path] of [['GET', '/api/v1/projects'], ['POST', '/api/v1/users'], ['GET', '/api/v1'], ['GET', '/api/v1/openapi.json']] as const) {
      expect(notFound(await send(berth.url, method, path))).toMatch(/admin API .*auth\.enabled: false/);
    }
  });

  it('the token endpoints say, in an OCI error body, that no token is needed', async () => {
    for (const [method, path] of [['GET', '/token?scope=repository:a/b:pull'], ['POST', '/token'], ['GET', '/.well-known/jwks.json']] as const) {
      const answer = await send(berth.url, method, path);
      expect(answer.status).toBe(404);
      expect(answer.json()).toEqual({ errors: [{ code: 'UNSUPPORTED', message: expect.stringMatching(/token authentication is off/) }] });
    }
  });

  it('/v2 itself still answers', async () => {
    expect((await send(berth.url, 'GET', '/v2/')).status).toBe(200);
  });
});
