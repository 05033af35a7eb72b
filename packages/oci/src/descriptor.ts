import { Buffer } from 'node:buffer';
import { OciError } from './errors.js';
import { digestOf, parseDigest } from './digest.js';

/** Image-index platform of a descriptor (image spec, image-index.md). */
export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}

/** An OCI content descriptor, with the optional fields Berth reads. Unknown fields are dropped. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
  /** Embedded content, base64 (RFC 4648); checked against size and digest when present. */
  data?: string;
}

/** A JSON object as parsed from a manifest body. */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function invalid(field: string, reason: string, cause?: unknown): OciError {
  return new OciError('MANIFEST_INVALID', `manifest invalid: ${field} ${reason}`, {
    detail: { field, reason },
    cause,
  });
}

export function readOptionalString(obj: JsonObject, key: string, field: string): string | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  return value;
}

function readStringArray(obj: JsonObject, key: string, field: string): string[] | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalid(field, 'must be an array of strings');
  }
  return [...(value as string[])];
}

/** Annotations: a string-to-string map (image spec annotation rules). */
export function readAnnotations(obj: JsonObject, key: string, field: string): Record<string, string> | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) throw invalid(field, 'must be an object of strings');
  const out: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw invalid(`${field}.${name}`, 'must be a string');
    out[name] = entry;
  }
  return out;
}

function readPlatform(value: unknown, field: string): Platform {
  if (!isJsonObject(value)) throw invalid(field, 'must be an object');
  const architecture = readOptionalString(value, 'architecture', `${field}.architecture`);
  const os = readOptionalString(value, 'os', `${field}.os`);
  if (architecture === undefined || architecture === '') throw invalid(`${field}.architecture`, 'is required');
  if (os === undefined || os === '') throw invalid(`${field}.os`, 'is required');
  const platform: Platform = { architecture, os };
  const osVersion = readOptionalString(value, 'os.version', `${field}.os.version`);
  if (osVersion !== undefined) platform['os.version'] = osVersion;
  const osFeatures = readStringArray(value, 'os.features', `${field}.os.features`);
  if (osFeatures !== undefined) platform['os.features'] = osFeatures;
  const variant = readOptionalString(value, 'variant', `${field}.variant`);
  if (variant !== undefined) platform.variant = variant;
  const features = readStringArray(value, 'features', `${field}.features`);
  if (features !== undefined) platform.features = features;
  return platform;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function checkEmbeddedData(data: string, size: number, digest: string, field: string): void {
  if (!BASE64.test(data)) throw invalid(`${field}.data`, 'must be base64 (RFC 4648)');
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length !== size) throw invalid(`${field}.data`, `decodes to ${bytes.length} bytes, size says ${size}`);
  if (digestOf(bytes, parseDigest(digest).algorithm) !== digest) {
    throw invalid(`${field}.data`, 'does not match the descriptor digest');
  }
}

/**
 * Validates one descriptor. mediaType only has to be a non-empty string: a pull-through cache
 * must accept whatever artifact types upstream registries already accepted.
 */
export function parseDescriptor(value: unknown, field: string): Descriptor {
  if (!isJsonObject(value)) throw invalid(field, 'must be a descriptor object');
  const mediaType = readOptionalString(value, 'mediaType', `${field}.mediaType`);
  if (mediaType === undefined || mediaType === '') throw invalid(`${field}.mediaType`, 'is required');

  const digest = value['digest'];
  if (typeof digest !== 'string') throw invalid(`${field}.digest`, 'is required');
  try {
    parseDigest(digest);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'is not a valid digest';
    throw invalid(`${field}.digest`, `is invalid (${reason})`, error);
  }

  const size = value['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalid(`${field}.size`, 'must be a non-negative integer');
  }

  const descriptor: Descriptor = { mediaType, digest, size };
  const artifactType = readOptionalString(value, 'artifactType', `${field}.artifactType`);
  if (artifactType !== undefined) descriptor.artifactType = artifactType;
  const annotations = readAnnotations(value, 'annotations', `${field}.annotations`);
  if (annotations !== undefined) descriptor.annotations = annotations;
  if (value['platform'] !== undefined) descriptor.platform = readPlatform(value['platform'], `${field}.platform`);
  const urls = readStringArray(value, 'urls', `${field}.urls`);
  if (urls !== undefined) descriptor.urls = urls;
  const data = readOptionalString(value, 'data', `${field}.data`);
  if (data !== undefined) {
    checkEmbeddedData(data, size, digest, field);
    descriptor.data = data;
  }
  return descriptor;
}
