import { OCI_IMAGE_INDEX, parseDescriptor } from '@berth/oci';
import type { Descriptor } from '@berth/oci';
import { discard, readBody } from './http.js';
import type { UpstreamResponse } from './http.js';
import { contentLength } from './responses.js';
import type { UpstreamOptions } from './types.js';

export type ReferrersLimits = Required<NonNullable<UpstreamOptions['referrers']>>;

export const DEFAULT_REFERRERS_LIMITS: ReferrersLimits = {
  maxDescriptors: 10_000,
  maxBytes: 4 * 1024 * 1024,
  maxPages: 100,
  apiMemoryMs: 10 * 60 * 1000,
};

/** The configured bounds over the defaults; counts must be positive integers, the memory >= 0. */
export function referrersLimits(upstream: string, options: UpstreamOptions['referrers'] = {}): ReferrersLimits {
  const limits = { ...DEFAULT_REFERRERS_LIMITS, ...stripUndefined(options) };
  for (const key of ['maxDescriptors', 'maxBytes', 'maxPages'] as const) {
    if (!Number.isSafeInteger(limits[key]) || limits[key] < 1) throw new RangeError(`upstream ${upstream}: referrers.${key} must be a positive integer`);
  }
  if (!Number.isSafeInteger(limits.apiMemoryMs) || limits.apiMemoryMs < 0) {
    throw new RangeError(`upstream ${upstream}: referrers.apiMemoryMs must be a non-negative integer`);
  }
  return limits;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/**
 * The descriptors of one listing as they arrive: each digest once (the first wins), invalid
 * entries skipped, at most `maxDescriptors`, and what is left of the byte budget.
 */
export class ReferrerList {
  readonly descriptors: Descriptor[] = [];
  truncated = false;
  /** Entries that were not valid descriptors. */
  skipped = 0;
  bytesLeft: number;
  private readonly seen = new Set<string>();
  private readonly maxDescriptors: number;

  constructor(limits: Pick<ReferrersLimits, 'maxDescriptors' | 'maxBytes'>) {
    this.maxDescriptors = limits.maxDescriptors;
    this.bytesLeft = limits.maxBytes;
  }

  /** Adds the valid entries of an index's `manifests`; false once the list is full and some were left out. */
  addEntries(entries: unknown[]): boolean {
    for (const [i, entry] of entries.entries()) {
      let descriptor: Descriptor;
      try {
        descriptor = parseDescriptor(entry, `manifests[${i}]`);
      } catch {
        this.skipped += 1;
        continue;
      }
      if (!this.add(descriptor)) return false;
    }
    return true;
  }

  /** Adds one descriptor unless its digest is listed; false (and truncated) when the list is full. */
  add(descriptor: Descriptor): boolean {
    if (this.seen.has(descriptor.digest)) return true;
    if (this.descriptors.length >= this.maxDescriptors) {
      this.cut();
      return false;
    }
    this.seen.add(descriptor.digest);
    this.descriptors.push(descriptor);
    return true;
  }

  /** Marks the list as cut short; true, for callers that end a listing the API did answer. */
  cut(): true {
    this.truncated = true;
    return true;
  }
}

/**
 * A response body within what is left of the list's byte budget (which it then spends), or
 * undefined when it does not fit; the caller decides what that means.
 */
export async function readWithinBudget(upstream: string, response: UpstreamResponse, list: ReferrerList): Promise<Buffer | undefined> {
  const announced = contentLength(response);
  if (announced !== undefined && announced > list.bytesLeft) {
    discard(response);
    return undefined;
  }
  const body = await readBody(response, list.bytesLeft, upstream);
  if (body !== undefined) list.bytesLeft -= body.length;
  return body;
}

/**
 * The `manifests` of an image index, or undefined when the body is not one. The body decides,
 * not the Content-Type: a JSON object with a `manifests` array whose mediaType, if any, is the
 * OCI image index's.
 */
export function indexEntries(body: Buffer): unknown[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { mediaType, manifests } = parsed as { mediaType?: unknown; manifests?: unknown };
  if (mediaType !== undefined && mediaType !== OCI_IMAGE_INDEX) return undefined;
  return Array.isArray(manifests) ? manifests : undefined;
}
