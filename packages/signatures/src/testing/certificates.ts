import { X509Certificate, randomBytes, sign } from 'node:crypto';
import type { TestKey } from './candidates.js';

/**
 * Minimal DER writer for test certificates: Node's crypto can sign but not make certificates, and
 * unit tests use no external tools. Enough of X.509 v3 for chains: names, validity, basic
 * constraints, key usage and extended key usage (code signing).
 */

function length(size: number): Buffer {
  if (size < 0x80) return Buffer.from([size]);
  const bytes: number[] = [];
  for (let rest = size; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const explicit = (n: number, item: Buffer) => tlv(0xa0 + n, item);
const octets = (bytes: Buffer) => tlv(0x04, bytes);
const bitString = (bytes: Buffer) => tlv(0x03, Buffer.from([0]), bytes);
const boolean = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]));

function integer(bytes: Buffer): Buffer {
  return tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const NAME_OIDS: Record<string, string> = { C: '2.5.4.6', ST: '2.5.4.8', L: '2.5.4.7', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3' };

/** `{ C: 'US', O: 'Acme', CN: 'team' }` as an X.501 Name (one attribute per RDN, in the given order). */
function name(attributes: Record<string, string>): Buffer {
  return sequence(...Object.entries(attributes).map(([type, value]) =>
    set(sequence(oid(NAME_OIDS[type]!), tlv(type === 'C' ? 0x13 : 0x0c, Buffer.from(value, 'utf8'))))));
}

function algorithm(key: TestKey): Buffer {
  return key.privateKey.asymmetricKeyType === 'ec' ? sequence(oid('1.2.840.10045.4.3.2')) : sequence(oid('1.2.840.113549.1.1.11'), tlv(0x05));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octets(value));
}

export interface CertificateOptions {
  subject: Record<string, string>;
  /** The issuer's name and key; self-signed when absent. */
  issuer?: { subject: Record<string, string>; key: TestKey };
  ca?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Leave out the code-signing extended key usage (notation requires it when the extension is there). */
  extendedKeyUsage?: string[];
}

export interface TestCertificate {
  key: TestKey;
  subject: Record<string, string>;
  der: Buffer;
  pem: string;
  x509: X509Certificate;
}

export function makeCertificate(key: TestKey, options: CertificateOptions): TestCertificate {
  const issuer = options.issuer ?? { subject: options.subject, key };
  const notBefore = options.notBefore ?? new Date(Date.now() - 3_600_000);
  const notAfter = options.notAfter ?? new Date(Date.now() + 86_400_000);
  const extensions = options.ca === true
    ? [extension('2.5.29.19', true, sequence(boolean(true))), extension('2.5.29.15', true, bitString(Buffer.from([0x06])))]
    : [
        extension('2.5.29.15', true, bitString(Buffer.from([0x80]))),
        extension('2.5.29.37', false, sequence(...(options.extendedKeyUsage ?? ['1.3.6.1.5.5.7.3.3']).map(oid))),
      ];
  // A positive serial whose first byte is neither 0 nor high: DER integers have no padding byte to spare.
  const serial = randomBytes(8);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm(issuer.key),
    name(issuer.subject),
    sequence(time(notBefore), time(notAfter)),
    name(options.subject),
    key.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, issuer.key.privateKey);
  const der = sequence(tbs, algorithm(issuer.key), bitString(signature));
  const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`.replace('\n\n', '\n');
  return { key, subject: options.subject, der, pem, x509: new X509Certificate(der) };
}
