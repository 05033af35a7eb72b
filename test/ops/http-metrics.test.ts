import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { MANIFEST_ACCEPT } from '../api/content.js';
import { send } from '../api/helpers.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { pushImage, type PushedImage } from '../upstream/push.js';

// berth_http_request_duration_seconds: one observation per request, labelled with the route name
// the router matched, the method and the status.

let berth: BerthUnderTest;
let image: PushedImage;

beforeAll(async () => {
  berth = await startBerth();
  image = await pushImage(berth.url, 'ops/app', 'v1', [2000]);
});

afterAll(async () => {
  await berth?.stop();
});

/** Every sample of a metric in the exposition text, with its labels. */
function samples(text: string, metric: string): Array<{ labels: Record<string, string>; value: number }> {
  const found: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (match === null || match[1] !== metric) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}

async function scrape(): Promise<string> {
  const answer = await send(berth.url, 'GET', '/metrics');
  expect(answer.status).toBe(200);
  return answer.text();
}

/** The observation count of one route, method and status (0 when never observed). */
function count(text: string, labels: { route: string; method: string; status: string }): number {
  const sample = samples(text, 'berth_http_request_duration_seconds_count').find(
    (s) => s.labels.route === labels.route && s.labels.method === labels.method && s.labels.status === labels.status,
  );
  return sample?.value ?? 0;
}

describe('HTTP latency histogram', () => {
  it('counts requests by route name, method and status', async () => {
    const before = await scrape();
    const requests: Array<[string, string, Record<string, string>?]> = [
      ['GET', '/v2/ops/app/manifests/v1', { accept: MANIFEST_ACCEPT }],
      ['GET', `/v2/ops/app/manifests/${image.manifest.digest}`, { accept: MANIFEST_ACCEPT }],
      ['HEAD', '/v2/ops/app/manifests/v1', { accept: MANIFEST_ACCEPT }],
      ['GET', `/v2/ops/app/blobs/${image.layers[0]!.digest}`],
      ['GET', '/v2/ops/app/manifests/absent', { accept: MANIFEST_ACCEPT }],
      ['GET', '/v2/ops/app/tags/list'],
      ['GET', '/v2/'],
      ['GET', '/healthz'],
      ['GET', '/no/such/path'],
    ];
    for (const [method, path, headers] of requests) await send(berth.url, method, path, headers !== undefined ? { headers } : {});
    const after = await scrape();
    const delta = (route: string, method: string, status: string) => count(after, { route, method, status }) - count(before, { route, method, status });
    expect(delta('v2_manifest', 'GET', '200')).toBe(2);
    expect(delta('v2_manifest', 'HEAD', '200')).toBe(1);
    expect(delta('v2_manifest', 'GET', '404')).toBe(1);
    expect(delta('v2_blob', 'GET', '200')).toBe(1);
    expect(delta('v2_tags', 'GET', '200')).toBe(1);
    expect(delta('v2_base', 'GET', '200')).toBe(1);
    expect(delta('healthz', 'GET', '200')).toBe(1);
    expect(delta('other', 'GET', '404')).toBe(1);
    // The previous scrape was observed once its answer was sent.
    expect(delta('metrics', 'GET', '200')).toBe(1);
    // The pushes of beforeAll: upload starts, upload sessions and the manifest PUT.
    expect(count(after, { route: 'v2_upload', method: 'POST', status: '202' })).toBe(2);
    expect(count(after, { route: 'v2_upload_session', method: 'PUT', status: '201' })).toBe(2);
    expect(count(after, { route: 'v2_manifest', method: 'PUT', status: '201' })).toBe(1);
  });

  it('has buckets from 1 ms to 5 minutes, cumulative up to +Inf', async () => {
    const text = await scrape();
    const buckets = samples(text, 'berth_http_request_duration_seconds_bucket').filter(
      (s) => s.labels.route === 'v2_blob' && s.labels.method === 'GET' && s.labels.status === '200',
    );
    expect(buckets.map((b) => b.labels.le)).toEqual(['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30', '60', '120', '300', '+Inf']);
    const values = buckets.map((b) => b.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.at(-1)).toBe(count(text, { route: 'v2_blob', method: 'GET', status: '200' }));
    const sum = samples(text, 'berth_http_request_duration_seconds_sum').find((s) => s.labels.route === 'v2_blob' && s.labels.method === 'GET');
    expect(sum?.value).toBeGreaterThan(0);
  });

  it('counts an unusual method as "other", so clients cannot grow the label set', async () => {
    await send(berth.url, 'PROPFIND', '/v2/ops/app/manifests/v1');
    const text = await scrape();
    expect(count(text, { route: 'v2_manifest', method: 'other', status: '405' })).toBe(1);
    expect(text).not.toContain('method="PROPFIND"');
  });
});
