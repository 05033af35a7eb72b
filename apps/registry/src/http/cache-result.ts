/** What the pull-through cache did for a request, as the request log reports it. */
export type CacheResult = 'hit' | 'miss' | 'coalesced' | 'stale' | 'revalidated' | 'incomplete';

/**
 * A `Cache-Status` header (RFC 9211) as written by core's cacheStatusHeader, reduced to one word.
 * Berth's own entry is used (the last one when it is not found); undefined without a header or for
 * a form Berth does not write.
 */
export function cacheResultOf(header: string | number | readonly string[] | undefined): CacheResult | undefined {
  if (header === undefined || typeof header === 'number') return undefined;
  const entries = (typeof header === 'string' ? [header] : header).flatMap(splitEntries);
  const entry = entries.find((e) => e.cache === 'Berth') ?? entries.at(-1);
  if (entry === undefined) return undefined;
  const { params } = entry;
  const detail = params.get('detail') ?? '';
  if (detail.startsWith('stale')) return 'stale';
  if (detail.startsWith('incomplete')) return 'incomplete';
  if (params.has('hit')) return 'hit';
  const fwd = params.get('fwd');
  if (fwd === 'stale' && detail === 'revalidated') return 'revalidated';
  if (fwd === 'miss') return params.has('collapsed') ? 'coalesced' : 'miss';
  return undefined;
}

interface Entry {
  cache: string;
  params: Map<string, string>;
}

/** `A; hit, Berth; fwd=miss; detail="x, y"` → entries with their parameters (quoted values unquoted). */
function splitEntries(header: string): Entry[] {
  const entries: Entry[] = [];
  for (const member of splitOutsideQuotes(header, ',')) {
    const [cache = '', ...params] = splitOutsideQuotes(member, ';').map((part) => part.trim());
    if (cache === '') continue;
    const map = new Map<string, string>();
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq < 0) map.set(param, '');
      else map.set(param.slice(0, eq).trim(), param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
    }
    entries.push({ cache, params: map });
  }
  return entries;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') quoted = !quoted;
    else if (char === '\\' && quoted) i++;
    else if (char === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
