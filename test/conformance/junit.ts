// The JUnit reports of the OCI conformance suite, read without an XML library: both generations
// write flat <testcase> elements whose text is escaped, so a scan of the elements is enough.

export interface ConformanceCase {
  name: string;
  /** passed, failure, error or skipped (the suite's "disabled" counts as skipped). */
  status: 'passed' | 'failure' | 'error' | 'skipped';
  /** The failure or skip message, when there is one. */
  message: string;
}

const ENTITIES: Record<string, string> = { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' };

/** XML character and entity references back to text. */
function unescape(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|quot|apos|lt|gt|amp);/g, (_, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? '';
  });
}

/** The attributes of one XML start tag, unescaped. */
function attributes(tag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const match of tag.matchAll(/([\w:-]+)="([^"]*)"/g)) {
    result[match[1] as string] = unescape(match[2] as string);
  }
  return result;
}

const STATUSES: ReadonlySet<string> = new Set(['passed', 'failure', 'error', 'skipped']);

/**
 * Every <testcase> of a JUnit report. Ginkgo (2023) marks a case by a <failure>, <error> or
 * <skipped> child; the 2026 program also sets a `status` attribute, and puts a skip's reason in
 * <system-out> with no child, so the attribute decides when present.
 */
export function parseJUnit(xml: string): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const match of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = attributes(match[1] as string);
    const body = match[3] ?? '';
    const child = /<(failure|error|skipped)\b([^>]*)/.exec(body);
    const declared = attrs.status !== undefined && STATUSES.has(attrs.status) ? attrs.status : child?.[1] ?? 'passed';
    const out = /<system-out>([\s\S]*?)<\/system-out>/.exec(body)?.[1];
    const message = (child === null ? undefined : attributes(child[2] as string).message) ?? unescape(out ?? '');
    cases.push({ name: attrs.name ?? '?', status: declared as ConformanceCase['status'], message: message.trim() });
  }
  return cases;
}
