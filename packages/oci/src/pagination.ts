import { OciError } from './errors.js';

export interface PageParams {
  /** Most entries to return; 0 means an empty list with no Link header. Absent: the caller's default. */
  limit?: number;
  /** Return only entries sorted after this one (exclusive). */
  after?: string;
}

/**
 * A query value as a single string. Repeated parameters arrive as arrays; the first wins,
 * as with Go's `url.Values.Get` that distribution uses. Nested objects are refused.
 */
function singleValue(value: unknown, name: string): string | undefined {
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (first === undefined || first === null) return undefined;
  if (typeof first === 'number' && Number.isFinite(first)) return String(first);
  if (typeof first !== 'string') {
    throw new OciError('PAGINATION_NUMBER_INVALID', `invalid pagination parameter ${name}`, { detail: { [name]: typeof first } });
  }
  return first;
}

/**
 * Reads the `n` and `last` query parameters of tag and catalog listings.
 * n must be a non-negative decimal integer; an empty n counts as absent. last may be any text
 * without control characters (it is compared, not looked up). Values above maxN are
 * clamped to maxN: the spec allows fewer than n entries when a Link header announces more.
 */
export function parsePageParams(query: { n?: unknown; last?: unknown }, maxN = 10000): PageParams {
  if (!Number.isSafeInteger(maxN) || maxN < 0) throw new RangeError(`maxN must be a non-negative integer, got ${maxN}`);
  const params: PageParams = {};
  const n = singleValue(query.n, 'n');
  if (n !== undefined && n !== '') {
    if (!/^[0-9]+$/.test(n)) {
      throw new OciError('PAGINATION_NUMBER_INVALID', 'n must be a non-negative integer', { detail: { n: n.slice(0, 50) } });
    }
    const value = Number(n);
    params.limit = value > maxN ? maxN : value;
  }
  const last = singleValue(query.last, 'last');
  if (last !== undefined && last !== '') {
    // No tag or repository name holds a control character, and PostgreSQL cannot compare a NUL.
    if (/[\u0000-\u001f\u007f]/.test(last)) {
      throw new OciError('PAGINATION_NUMBER_INVALID', 'last must not contain control characters', { detail: { last: last.slice(0, 50) } });
    }
    params.after = last;
  }
  return params;
}

/**
 * The Link header pointing at the next page: `</v2/x/tags/list?n=10&last=foo>; rel="next"`.
 * n and last come first, then `params` in their given order; every key and value is
 * percent-encoded. `path` is the absolute path without a query.
 */
export function nextLink(path: string, params: Record<string, string>, last: string, n: number): string {
  if (!path.startsWith('/') || /[?#<>\s]/.test(path)) throw new TypeError(`nextLink needs an absolute path without query, got ${path}`);
  if (!Number.isSafeInteger(n) || n <= 0) throw new TypeError(`nextLink needs a positive page size, got ${n}`);
  const pairs: Array<[string, string]> = [
    ['n', String(n)],
    ['last', last],
    ...Object.entries(params).filter(([key]) => key !== 'n' && key !== 'last'),
  ];
  const query = pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&');
  return `<${path}?${query}>; rel="next"`;
}

/** Splits `text` on `separator` wherever it is not inside a quoted string or a `<URI>`. */
function splitUnquoted(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let inUri = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (inUri) inUri = ch !== '>';
    else if (quoted && ch === '\\') i += 1;
    else if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') inUri = true;
    else if (!quoted && ch === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** The rel values of one link-value such as `<...>; rel="next prev"; title="x"`. */
function relsOf(params: string): string[] {
  for (const param of splitUnquoted(params, ';')) {
    const eq = param.indexOf('=');
    if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'rel') continue;
    const raw = param.slice(eq + 1).trim();
    const value = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw;
    return value.toLowerCase().split(/\s+/).filter((rel) => rel !== '');
  }
  return [];
}

/**
 * The target of the `rel="next"` link in a Link header (RFC 8288), as written (relative or
 * absolute), or undefined. Handles several links per header, quoted or bare and multi-valued rel.
 */
export function parseNextLink(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(', ') : header;
  for (const linkValue of splitUnquoted(text, ',')) {
    const match = /^\s*<([^>]*)>(.*)$/s.exec(linkValue);
    if (match === null) continue;
    if (relsOf(match[2] ?? '').includes('next')) return match[1];
  }
  return undefined;
}
