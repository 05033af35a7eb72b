import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import { EMPTY_JSON, MEDIA, descriptor, manifestDescriptor, ociManifest, randomBlob } from './content.js';
import { call, getManifest, pushBlob, pushImage, pushManifest, type PushedImage } from './helpers.js';
import { startTarget, type ApiTarget } from './target.js';

// Every name the spec's grammar allows works on every endpoint, including names whose components
// are the API's own path words (a registry must not confuse `<name>/blobs/...` with a blob path).

// Starting Berth (embedded database, migrations) takes seconds on a shared machine.
jest.setTimeout(120_000);

let target: ApiTarget;
let base: string;

beforeAll(async () => {
  target = await startTarget();
  base = target.url;
});

afterAll(async () => {
  await target?.stop();
});

const NAMES = [
  'names/manifests',
  'names/blobs',
  'names/blobs/uploads',
  'names/tags/list',
  'names/referrers',
  'names/a/b/c/d/e/f/g/h',
  'names/a.b_c__d-e--f',
  'n0/1-2/3',
  `names/${'x'.repeat(255 - 'names/'.length)}`,
];

describe.each(NAMES)('repository %s', (name) => {
  let image: PushedImage | undefined;

  it('takes uploads, manifests and tags, and serves them back', async () => {
    image = await pushImage(base, name, 'v1');
    const pulled = await getManifest(base, name, 'v1');
    expect(pulled.status).toBe(200);
    expect(pulled.body.equals(image.manifest.bytes)).toBe(true);
    const layer = image.layers[0];
    if (layer === undefined) throw new Error('pushImage pushed no layer');
    const blob = await call(base, 'GET', `/v2/${name}/blobs/${layer.digest}`);
    expect(blob.status).toBe(200);
    expect(blob.body.equals(layer.bytes)).toBe(true);
    const tags = await call(base, 'GET', `/v2/${name}/tags/list`);
    expect(tags.status).toBe(200);
    expect(tags.json()).toEqual({ name, tags: ['v1'] });
  });

  it('lists referrers', async () => {
    if (image === undefined) throw new Error('the image was not pushed');
    const payload = randomBlob(32);
    await pushBlob(base, name, EMPTY_JSON);
    await pushBlob(base, name, payload);
    const artifact = ociManifest({
      artifactType: 'application/vnd.example.names.v1',
      config: descriptor(MEDIA.ociEmpty, EMPTY_JSON),
      layers: [descriptor('application/vnd.example.payload.v1', payload)],
      subject: manifestDescriptor(image.manifest),
    });
    await pushManifest(base, name, artifact.digest, artifact);
    const referrers = await call(base, 'GET', `/v2/${name}/referrers/${image.manifest.digest}`);
    expect(referrers.status).toBe(200);
    expect(referrers.json<{ manifests: Array<{ digest: string }> }>().manifests.map((m) => m.digest)).toEqual([artifact.digest]);
  });

  it('deletes by digest', async () => {
    if (image === undefined) throw new Error('the image was not pushed');
    expect((await call(base, 'DELETE', `/v2/${name}/manifests/${image.manifest.digest}`)).status).toBe(202);
    expect((await getManifest(base, name, 'v1')).status).toBe(404);
  });
});
