import { describe, it, expect } from '@jest/globals';
import { parseManifest, referencedBlobs, referencedManifests } from './manifest.js';
import { OciError } from './errors.js';
import {
  DOCKER_CONTAINER_CONFIG,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V1_SIGNED,
  DOCKER_MANIFEST_V2,
  OCI_EMPTY,
  OCI_EMPTY_DIGEST,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
} from './media-types.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const FOREIGN = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

function image(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: OCI_IMAGE_MANIFEST,
    config: { mediaType: OCI_IMAGE_CONFIG, digest: d('c'), size: 10 },
    layers: [
      { mediaType: LAYER, digest: d('1'), size: 100 },
      { mediaType: LAYER, digest: d('2'), size: 200 },
    ],
    ...extra,
  };
}

function index(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: OCI_IMAGE_INDEX,
    manifests: [
      { mediaType: OCI_IMAGE_MANIFEST, digest: d('a'), size: 500, platform: { architecture: 'amd64', os: 'linux' } },
      { mediaType: OCI_IMAGE_MANIFEST, digest: d('b'), size: 501, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
    ],
    ...extra,
  };
}

function rejection(body: unknown, contentType?: string): { message: string; detail: { field?: string; reason: string } } {
  try {
    parseManifest(bytes(body), contentType);
  } catch (error) {
    expect(error).toBeInstanceOf(OciError);
    expect((error as OciError).code).toBe('MANIFEST_INVALID');
    expect((error as OciError).status).toBe(400);
    return { message: (error as OciError).message, detail: (error as OciError).detail as { field?: string; reason: string } };
  }
  throw new Error('expected MANIFEST_INVALID');
}

describe('parseManifest: image manifests', () => {
  it('parses an OCI image manifest', () => {
    const parsed = parseManifest(bytes(image({ annotations: { 'org.example': 'v' } })), OCI_IMAGE_MANIFEST);
    expect(parsed).toEqual({
      mediaType: OCI_IMAGE_MANIFEST,
      kind: 'image',
      config: { mediaType: OCI_IMAGE_CONFIG, digest: d('c'), size: 10 },
      layers: [
        { mediaType: LAYER, digest: d('1'), size: 100 },
        { mediaType: LAYER, digest: d('2'), size: 200 },
      ],
      manifests: [],
      annotations: { 'org.example': 'v' },
    });
  });

  it('parses a Docker schema 2 manifest', () => {
    const body = image({ mediaType: DOCKER_MANIFEST_V2, config: { mediaType: DOCKER_CONTAINER_CONFIG, digest: d('c'), size: 10 } });
    const parsed = parseManifest(bytes(body), DOCKER_MANIFEST_V2);
    expect(parsed.mediaType).toBe(DOCKER_MANIFEST_V2);
    expect(parsed.kind).toBe('image');
    expect(parsed.config?.mediaType).toBe(DOCKER_CONTAINER_CONFIG);
  });

  it('parses an artifact: empty config, no layers, artifactType and subject', () => {
    const body = {
      schemaVersion: 2,
      mediaType: OCI_IMAGE_MANIFEST,
      artifactType: 'application/vnd.example.sbom.v1',
      config: { mediaType: OCI_EMPTY, digest: OCI_EMPTY_DIGEST, size: 2, data: 'e30=' },
      layers: [],
      subject: { mediaType: OCI_IMAGE_MANIFEST, digest: d('f'), size: 1234 },
    };
    const parsed = parseManifest(bytes(body), OCI_IMAGE_MANIFEST);
    expect(parsed.layers).toEqual([]);
    expect(parsed.artifactType).toBe('application/vnd.example.sbom.v1');
    expect(parsed.subject).toEqual({ mediaType: OCI_IMAGE_MANIFEST, digest: d('f'), size: 1234 });
    expect(referencedBlobs(parsed)).toEqual([OCI_EMPTY_DIGEST]);
  });

  it('drops an empty artifactType', () => {
    expect(parseManifest(bytes(image({ artifactType: '' })), undefined).artifactType).toBeUndefined();
  });
});

describe('parseManifest: indexes', () => {
  it('parses an OCI index with platforms', () => {
    const parsed = parseManifest(bytes(index()), OCI_IMAGE_INDEX);
    expect(parsed.kind).toBe('index');
    expect(parsed.config).toBeUndefined();
    expect(parsed.layers).toEqual([]);
    expect(parsed.manifests.map((m) => m.platform?.architecture)).toEqual(['amd64', 'arm64']);
  });

  it('parses a Docker manifest list', () => {
    const parsed = parseManifest(bytes(index({ mediaType: DOCKER_MANIFEST_LIST })), DOCKER_MANIFEST_LIST);
    expect(parsed).toMatchObject({ mediaType: DOCKER_MANIFEST_LIST, kind: 'index' });
  });

  it('accepts an empty manifests array', () => {
    expect(parseManifest(bytes(index({ manifests: [] })), OCI_IMAGE_INDEX).manifests).toEqual([]);
  });
});

describe('parseManifest: media type resolution', () => {
  it('normalizes parameters and case of the Content-Type', () => {
    expect(parseManifest(bytes(image()), 'Application/Vnd.OCI.Image.Manifest.v1+json; charset=utf-8').mediaType).toBe(OCI_IMAGE_MANIFEST);
  });

  it('uses the Content-Type when the body has no mediaType', () => {
    const body = image({ mediaType: undefined });
    expect(parseManifest(bytes(body), DOCKER_MANIFEST_V2).mediaType).toBe(DOCKER_MANIFEST_V2);
  });

  it.each([undefined, 'application/json', 'application/octet-stream'])('uses the body mediaType under a generic Content-Type (%s)', (ct) => {
    expect(parseManifest(bytes(index({ mediaType: DOCKER_MANIFEST_LIST })), ct).mediaType).toBe(DOCKER_MANIFEST_LIST);
  });

  it.each([undefined, 'application/json', 'application/octet-stream'])('infers the kind from the shape when nothing names it (%s)', (ct) => {
    expect(parseManifest(bytes(image({ mediaType: undefined })), ct).mediaType).toBe(OCI_IMAGE_MANIFEST);
    expect(parseManifest(bytes(index({ mediaType: undefined })), ct).mediaType).toBe(OCI_IMAGE_INDEX);
  });

  it('rejects a body mediaType that contradicts the Content-Type', () => {
    const { detail } = rejection(image(), OCI_IMAGE_INDEX);
    expect(detail.field).toBe('mediaType');
    expect(detail.reason).toMatch(/does not match Content-Type/);
  });

  it('rejects a shape that cannot be inferred', () => {
    expect(rejection({ schemaVersion: 2 }).detail.field).toBe('mediaType');
    expect(rejection({ schemaVersion: 2, manifests: [], layers: [] }, 'application/json').detail.field).toBe('mediaType');
  });

  it.each([
    ['an unknown Content-Type', image({ mediaType: undefined }), 'application/vnd.example.thing+json'],
    ['an unknown body mediaType', image({ mediaType: 'application/vnd.example.thing+json' }), undefined],
    ['an image config as manifest', image({ mediaType: OCI_IMAGE_CONFIG }), undefined],
    ['a schema 1 Content-Type', image({ mediaType: undefined }), DOCKER_MANIFEST_V1_SIGNED],
    ['an empty body mediaType', image({ mediaType: '' }), undefined],
    ['a numeric body mediaType', image({ mediaType: 7 }), undefined],
  ])('rejects %s', (_label, body, ct) => {
    expect(rejection(body, ct).detail.field).toBe('mediaType');
  });
});

describe('parseManifest: invalid documents', () => {
  it.each([
    ['not JSON', '{"schemaVersion": 2,', /not valid JSON/],
    ['a JSON array', '[]', /JSON object/],
    ['JSON null', 'null', /JSON object/],
    ['a JSON string', '"manifest"', /JSON object/],
    ['a byte order mark', '\uFEFF{"schemaVersion":2}', /not valid JSON/],
  ])('rejects %s', (_label, text, reason) => {
    expect(rejection(text).detail.reason).toMatch(reason);
  });

  it('rejects bytes that are not UTF-8', () => {
    try {
      parseManifest(new Uint8Array([0x7b, 0xff, 0x7d]), OCI_IMAGE_MANIFEST);
      throw new Error('expected a throw');
    } catch (error) {
      expect((error as OciError).code).toBe('MANIFEST_INVALID');
      expect((error as OciError).detail).toEqual({ reason: 'body is not valid UTF-8' });
    }
  });

  it.each([
    ['schemaVersion 1', image({ schemaVersion: 1 }), 'schemaVersion', /schema 1/],
    ['schemaVersion as string', image({ schemaVersion: '2' }), 'schemaVersion', /must be 2/],
    ['no schemaVersion', image({ schemaVersion: undefined }), 'schemaVersion', /must be 2/],
    ['no config', image({ config: undefined }), 'config', /required/],
    ['no layers', image({ layers: undefined }), 'layers', /array/],
    ['layers not an array', image({ layers: {} }), 'layers', /array/],
    ['a bad layer digest', image({ layers: [{ mediaType: LAYER, digest: 'sha256:1', size: 1 }] }), 'layers[0].digest', /invalid/],
    ['a bad layer size', image({ layers: [{ mediaType: LAYER, digest: d('1'), size: -5 }] }), 'layers[0].size', /non-negative/],
    ['manifests inside an image', image({ manifests: [] }), 'manifests', /not allowed/],
    ['a bad subject', image({ subject: { mediaType: OCI_IMAGE_MANIFEST, digest: d('f') } }), 'subject.size', /non-negative/],
    ['a numeric artifactType', image({ artifactType: 3 }), 'artifactType', /string/],
    ['non-string annotations', image({ annotations: { a: true } }), 'annotations.a', /string/],
  ])('rejects an image manifest with %s', (_label, body, field, reason) => {
    const { detail, message } = rejection(body);
    expect(detail.field).toBe(field);
    expect(detail.reason).toMatch(reason);
    expect(message).toContain(field);
  });

  it.each([
    ['no manifests', index({ manifests: undefined }), 'manifests'],
    ['a bad child digest', index({ manifests: [{ mediaType: OCI_IMAGE_MANIFEST, digest: 'md5:abc', size: 1 }] }), 'manifests[0].digest'],
    ['a platform without os', index({ manifests: [{ mediaType: OCI_IMAGE_MANIFEST, digest: d('a'), size: 1, platform: { architecture: 'amd64' } }] }), 'manifests[0].platform.os'],
    ['a config', index({ config: { mediaType: OCI_IMAGE_CONFIG, digest: d('c'), size: 1 } }), 'config'],
    ['layers', index({ layers: [] }), 'layers'],
  ])('rejects an index with %s', (_label, body, field) => {
    expect(rejection(body, OCI_IMAGE_INDEX).detail.field).toBe(field);
  });
});

describe('referencedBlobs / referencedManifests', () => {
  it('lists config then layers, once each, skipping layers with urls', () => {
    const parsed = parseManifest(
      bytes(
        image({
          mediaType: DOCKER_MANIFEST_V2,
          layers: [
            { mediaType: FOREIGN, digest: d('9'), size: 1, urls: ['https://example.com/layer'] },
            { mediaType: LAYER, digest: d('1'), size: 100 },
            { mediaType: LAYER, digest: d('2'), size: 100 },
            { mediaType: LAYER, digest: d('1'), size: 100 },
            { mediaType: LAYER, digest: d('3'), size: 100, urls: [] },
          ],
          subject: { mediaType: OCI_IMAGE_MANIFEST, digest: d('f'), size: 1 },
        }),
      ),
      DOCKER_MANIFEST_V2,
    );
    expect(referencedBlobs(parsed)).toEqual([d('c'), d('1'), d('2'), d('3')]);
    expect(referencedManifests(parsed)).toEqual([]);
  });

  it('lists an index children once each and no blobs', () => {
    const body = index();
    const children = body['manifests'] as unknown[];
    const parsed = parseManifest(bytes({ ...body, manifests: [...children, children[0]] }), OCI_IMAGE_INDEX);
    expect(referencedManifests(parsed)).toEqual([d('a'), d('b')]);
    expect(referencedBlobs(parsed)).toEqual([]);
  });
});
