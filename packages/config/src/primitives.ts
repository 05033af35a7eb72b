import * as z from 'zod';
import { isRecord } from './records.js';

// Building blocks shared by the configuration schemas.

type ParsePayload = z.core.ParsePayload<unknown>;

/*
 * Cross-field checks run with `when` so they report alongside other problems instead of only after
 * everything else is valid; they therefore see possibly invalid values and check shapes themselves.
 */
export const whenObject = { when: (payload: ParsePayload) => isRecord(payload.value) };
export const whenArray = { when: (payload: ParsePayload) => Array.isArray(payload.value) };

export const nonEmpty = z.string().min(1);

/**
 * A password, token or key: its problems never quote the value (the generic messages describe what
 * was received, which for a secret written as a YAML number would print it).
 */
export const secret = z.string({
  error: (issue) => (issue.code === 'invalid_type' && issue.input !== undefined ? 'expected a string (the value is not shown)' : undefined),
});

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' });

/** An http(s) base URL without query or fragment; trailing slashes dropped. */
export const publicUrl = httpUrl
  .refine((value) => {
    if (!URL.canParse(value)) return true; // already reported by httpUrl
    const url = new URL(value);
    return url.search === '' && url.hash === '';
  }, 'must not contain a query or fragment')
  .transform((value) => value.replace(/\/+$/, ''));

/** The distribution spec's repository path-component grammar. */
export const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
/** The spec's limit for a whole repository name bounds its first component too. */
const MAX_PROJECT_NAME_LENGTH = 255;

export const projectName = z
  .string()
  .max(MAX_PROJECT_NAME_LENGTH)
  .regex(PATH_COMPONENT, 'must be one path component: lowercase letters and digits, separated by ".", "_", "__" or "-"');

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** A number of bytes: an integer, or a string such as `500MiB`, `20GB`, `1.5TiB`. */
export const byteSize = z.union([
  z.int().min(1),
  z.string().transform((text, ctx) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(text);
    const unit = BYTE_UNITS[(match?.[2] ?? '').toLowerCase()];
    const bytes = match === null || unit === undefined ? NaN : Math.floor(Number(match[1]) * unit);
    if (!Number.isSafeInteger(bytes) || bytes < 1) {
      ctx.addIssue({ code: 'custom', message: 'must be a positive number of bytes, e.g. 53687091200 or "50GiB"' });
      return z.NEVER;
    }
    return bytes;
  }),
]);

/** The names proxy-addr (express's `trust proxy`) gives to address ranges. */
export const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'] as const;
const addressForms = [z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()];

/** A trusted proxy: an IP address, a CIDR block (`10.0.0.0/8`, `fd00::/8`) or a range name. */
export const proxyAddress = z
  .string()
  .refine(
    (value) => (PROXY_RANGE_NAMES as readonly string[]).includes(value) || addressForms.some((form) => form.safeParse(value).success),
    `must be an IP address, a CIDR block such as 10.0.0.0/8 or fd00::/8, or one of ${PROXY_RANGE_NAMES.join(', ')}`,
  );
