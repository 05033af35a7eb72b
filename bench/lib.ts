import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { Readable } from 'node:stream';

/** A large blob made of one random 1 MiB block repeated: cheap to generate, hashed once. */
export interface SyntheticBlob {
  size: number;
  digest: string;
  /** A fresh stream of the blob's bytes, optionally only bytes [start, end). */
  stream(start?: number, end?: number): Readable;
}

export function syntheticBlob(sizeMiB: number): SyntheticBlob {
  const block = randomBytes(1024 * 1024);
  const size = sizeMiB * block.length;
  const hash = createHash('sha256');
  for (let i = 0; i < sizeMiB; i++) hash.update(block);
  return {
    size,
    digest: `sha256:${hash.digest('hex')}`,
    stream(start = 0, end = size) {
      let offset = start;
      return new Readable({
        read() {
          if (offset >= end) return void this.push(null);
          const inBlock = offset % block.length;
          const length = Math.min(block.length - inBlock, end - offset);
          offset += length;
          this.push(block.subarray(inBlock, inBlock + length));
        },
      });
    },
  };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
}

/** One HTTP request on loopback; the response body is counted and dropped. */
export function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Readable } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => { bytes += chunk.length; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body) options.body.pipe(req);
    else req.end();
  });
}

/** Peak resident set size of a process so far (VmHWM), in MiB. */
export async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  if (!match?.[1]) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(match[1]) / 1024;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function seconds(startedNs: bigint): number {
  return Number(process.hrtime.bigint() - startedNs) / 1e9;
}
