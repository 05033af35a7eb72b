/**
 * X.509 distinguished names as notation compares them: a set of `TYPE=value` attributes, order
 * insensitive, types case-insensitive. A trusted identity matches a certificate when every attribute
 * it names is in the certificate's subject with the same value (notation's subset rule).
 */

export type DistinguishedName = ReadonlyMap<string, string>;

/** Short names as OpenSSL (Node) prints them, mapped to the names notation users write. */
const TYPE_ALIASES: Record<string, string> = { S: 'ST', EMAIL: 'EMAILADDRESS', E: 'EMAILADDRESS', SERIALNUMBER: 'SERIALNUMBER' };

function normalType(type: string): string {
  const upper = type.trim().toUpperCase();
  return TYPE_ALIASES[upper] ?? upper;
}

/** Splits on `separators` not escaped with a backslash, and unescapes each part. */
function splitUnescaped(text: string, separators: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      current += text[++i];
    } else if (separators.includes(ch)) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * Parses `C=US, ST=WA, O=Acme, CN=team` (RFC 4514 style, `,` `;` or `+` between attributes). Returns
 * undefined for text that is not a DN (an attribute without `=`, an empty type or value, the same
 * type twice with different values).
 */
export function parseDistinguishedName(text: string): DistinguishedName | undefined {
  return parseAttributes(text, ',;+');
}

/** The subject of a certificate as Node prints it: one attribute a line, RFC 2253 escapes, ` + ` in multi-valued RDNs. */
export function certificateSubject(certificate: { subject: string }): DistinguishedName | undefined {
  return parseAttributes(certificate.subject, '\n+');
}

function parseAttributes(text: string, separators: string): DistinguishedName | undefined {
  const attributes = new Map<string, string>();
  for (const part of splitUnescaped(text, separators)) {
    if (part.trim() === '') continue;
    const equals = part.indexOf('=');
    if (equals <= 0) return undefined;
    const type = normalType(part.slice(0, equals));
    const value = part.slice(equals + 1).trim();
    if (type === '' || value === '') return undefined;
    const seen = attributes.get(type);
    if (seen !== undefined && seen !== value) return undefined;
    attributes.set(type, value);
  }
  return attributes.size === 0 ? undefined : attributes;
}

/** True when every attribute of `trusted` is in `subject` with the same value. */
export function subjectMatches(trusted: DistinguishedName, subject: DistinguishedName): boolean {
  for (const [type, value] of trusted) {
    if (subject.get(type) !== value) return false;
  }
  return true;
}

export function formatDistinguishedName(name: DistinguishedName): string {
  return [...name].map(([type, value]) => `${type}=${value}`).join(', ');
}
