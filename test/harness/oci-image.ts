import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

// Deterministic test images written as an OCI image layout (image-spec image-layout.md), readable
// by skopeo/podman as `oci:<dir>:<tag>`. Same options → same bytes → same digests, every run.

const MEDIA_INDEX = 'application/vnd.oci.image.index.v1+json';
const MEDIA_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MEDIA_CONFIG = 'application/vnd.oci.image.config.v1+json';
const MEDIA_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const REF_NAME = 'org.opencontainers.image.ref.name';
/** Fixed timestamp for tar entries and the config, so layers and configs never change. */
const EPOCH_SECONDS = 946684800; // 2000-01-01T00:00:00Z

export interface Platform {
  os: string;
  architecture: string;
}

export const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
export const ARM64: Platform = { os: 'linux', architecture: 'arm64' };

export interface BuildImageOptions {
  tag: string;
  /** Two or more platforms build a multi-platform index; one or none a single manifest (linux/amd64). */
  platforms?: Platform[];
  /**
   * One extra layer per entry, holding a pseudo-random file of that many bytes derived from `seed` and the
   * position only: images built with the same seed share these layers (across tags and platforms).
   * Every image also gets a first layer of small files naming its tag and platform.
   */
  layerSizes?: number[];
  seed?: string;
  /** Per position of `layerSizes`: a seed replacing `seed` for that layer (to mix shared and unique layers). */
  layerSeeds?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface BuiltImage {
  dir: string;
  tag: string;
  /** Digest of the multi-platform index, when more than one platform was asked for. */
  indexDigest?: string;
  /** Platform manifests, in the order of `platforms`. */
  manifestDigests: string[];
  /** Per platform manifest (same order): the chain ID of its top layer, which names the unpacked snapshot. */
  chainIds: string[];
  /** Every distinct layer blob of the image (all platforms). */
  layers: Descriptor[];
  /** The digest a client pulls by tag: the index when there is one, else the only manifest. */
  topDigest: string;
}

/** Write (or add a tag to) an OCI image layout in `dir`. */
export async function buildImageLayout(dir: string, options: BuildImageOptions): Promise<BuiltImage> {
  const seed = options.seed ?? 'berth';
  const platforms = options.platforms ?? [{ os: 'linux', architecture: 'amd64' }];
  if (platforms.length === 0) throw new Error('buildImageLayout: platforms must not be empty');
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));

  const writeBlob = async (mediaType: string, bytes: Buffer): Promise<Descriptor> => {
    const digest = sha256(bytes);
    await writeFile(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), bytes);
    return { mediaType, digest, size: bytes.length };
  };

  const dataLayers = (options.layerSizes ?? []).map((size, position) =>
    tarArchive([
      { name: 'data/', body: undefined },
      { name: `data/random-${position}.bin`, body: pseudoRandomBytes(`${options.layerSeeds?.[position] ?? seed}/layer-${position}`, size) },
    ]),
  );
  const layers = new Map<string, Descriptor>();
  const manifests: Array<Descriptor & { platform: Platform }> = [];
  const chainIds: string[] = [];
  for (const platform of platforms) {
    const baseLayer = tarArchive([
      { name: 'etc/', body: undefined },
      { name: 'etc/berth-test-image', body: Buffer.from(`tag=${options.tag}\nseed=${seed}\n`) },
      { name: 'etc/platform', body: Buffer.from(`${platform.os}/${platform.architecture}\n`) },
      { name: 'hello.txt', body: Buffer.from('hello from a berth test image\n') },
    ]);
    const tars = [baseLayer, ...dataLayers];
    const layerDescriptors: Descriptor[] = [];
    for (const tar of tars) {
      const descriptor = await writeBlob(MEDIA_LAYER_GZIP, gzipSync(tar, { level: 6 }));
      layerDescriptors.push(descriptor);
      layers.set(descriptor.digest, descriptor);
    }
    const config = {
      created: new Date(EPOCH_SECONDS * 1000).toISOString(),
      architecture: platform.architecture,
      os: platform.os,
      config: { Cmd: ['/bin/sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      rootfs: { type: 'layers', diff_ids: tars.map((tar) => sha256(tar)) },
      history: tars.map((_, i) => ({ created: new Date(EPOCH_SECONDS * 1000).toISOString(), created_by: `berth test layer ${i}` })),
    };
    chainIds.push(chainId(config.rootfs.diff_ids));
    const configDescriptor = await writeBlob(MEDIA_CONFIG, Buffer.from(JSON.stringify(config)));
    const manifest = { schemaVersion: 2, mediaType: MEDIA_MANIFEST, config: configDescriptor, layers: layerDescriptors };
    manifests.push({ ...(await writeBlob(MEDIA_MANIFEST, Buffer.from(JSON.stringify(manifest)))), platform });
  }

  let top: Descriptor & { platform?: Platform };
  if (manifests.length > 1) {
    const index = { schemaVersion: 2, mediaType: MEDIA_INDEX, manifests };
    top = await writeBlob(MEDIA_INDEX, Buffer.from(JSON.stringify(index)));
  } else {
    top = manifests[0] as Descriptor & { platform: Platform };
  }
  await tagInLayoutIndex(dir, options.tag, top);
  return {
    dir,
    tag: options.tag,
    ...(manifests.length > 1 ? { indexDigest: top.digest } : {}),
    manifestDigests: manifests.map((m) => m.digest),
    chainIds,
    layers: [...layers.values()],
    topDigest: top.digest,
  };
}

/** Point `tag` at `descriptor` in the layout's index.json, keeping other tags. */
async function tagInLayoutIndex(dir: string, tag: string, descriptor: Descriptor & { platform?: Platform }): Promise<void> {
  const file = join(dir, 'index.json');
  let entries: Array<Record<string, unknown>> = [];
  try {
    const existing = JSON.parse(await readFile(file, 'utf8')) as { manifests?: Array<Record<string, unknown>> };
    entries = existing.manifests ?? [];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  entries = entries.filter((entry) => (entry.annotations as Record<string, string> | undefined)?.[REF_NAME] !== tag);
  entries.push({ ...descriptor, annotations: { [REF_NAME]: tag } });
  await writeFile(file, JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_INDEX, manifests: entries }));
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** ChainID (image-spec config.md): chain(L0) = diff(L0); chain(Ln) = sha256(chain(Ln-1) + " " + diff(Ln)). */
export function chainId(diffIds: string[]): string {
  const [first, ...rest] = diffIds;
  if (first === undefined) throw new Error('chainId of no layers');
  return rest.reduce((chain, diff) => sha256(Buffer.from(`${chain} ${diff}`)), first);
}

/** `size` incompressible bytes fixed by `seed` (AES-256-CTR keystream). */
export function pseudoRandomBytes(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(`key:${seed}`).digest();
  const iv = createHash('sha256').update(`iv:${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-256-ctr', key, iv).update(Buffer.alloc(size));
}

interface TarEntry {
  /** Relative path; a trailing slash makes a directory. */
  name: string;
  body: Buffer | undefined;
}

/** A POSIX ustar archive with fixed owner, mode and mtime. */
function tarArchive(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const isDir = entry.name.endsWith('/');
    const body = entry.body ?? Buffer.alloc(0);
    parts.push(ustarHeader(entry.name, isDir ? 0 : body.length, isDir));
    if (!isDir && body.length > 0) {
      parts.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

function ustarHeader(name: string, size: number, isDir: boolean): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  const header = Buffer.alloc(512);
  const octal = (value: number, width: number) => value.toString(8).padStart(width - 1, '0') + '\0';
  header.write(name, 0, 100, 'utf8');
  header.write(octal(isDir ? 0o755 : 0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii'); // uid
  header.write(octal(0, 8), 116, 'ascii'); // gid
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(EPOCH_SECONDS, 12), 136, 'ascii');
  header.write(isDir ? '5' : '0', 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  header.write('root', 265, 'ascii');
  header.write('root', 297, 'ascii');
  // The checksum is computed with its own field read as eight spaces.
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}
