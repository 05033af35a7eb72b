import { Writable } from 'node:stream';
import { describe, it, expect } from '@jest/globals';
import { berthConfigSchema } from '@berth/config';
import { createLogger } from './logger.js';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const text = () => chunks.join('');
  return { stream, text, lines: () => text().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const config = berthConfigSchema.parse({ log: { level: 'debug' } });

describe('createLogger', () => {
  it('writes JSON at the configured level to the given destination', () => {
    const out = capture();
    const logger = createLogger(config, out.stream);
    logger.trace('not at debug');
    logger.debug({ n: 1 }, 'hello');
    expect(out.lines()).toEqual([expect.objectContaining({ level: 20, n: 1, msg: 'hello' })]);
  });

  it('redacts headers, nested passwords, tokens and keys', () => {
    const out = capture();
    const logger = createLogger(config, out.stream);
    logger.info({
      req: { headers: { authorization: 'Basic c2VjcmV0LWE=' } },
      headers: { authorization: 'Bearer secret-b' },
      upstream: { url: 'https://r.example', username: 'u', password: 'secret-c', token: 'secret-d' },
      s3: { accessKeyId: 'secret-e', secretAccessKey: 'secret-f', bucket: 'b' },
      err: { message: 'upstream failed', config: { headers: { Authorization: 'Bearer secret-g' } } },
      token: 'secret-h',
    }, 'with secrets');
    const text = out.text();
    for (const secret of ['c2VjcmV0LWE=', 'secret-b', 'secret-c', 'secret-d', 'secret-e', 'secret-f', 'secret-g', 'secret-h']) expect(text).not.toContain(secret);
    expect(out.lines()[0]).toMatchObject({ upstream: { url: 'https://r.example', username: 'u', password: '[redacted]' }, s3: { bucket: 'b' }, err: { message: 'upstream failed' } });
  });

  it('keeps a top-level password: the generated administrator password is printed once on purpose', () => {
    const out = capture();
    createLogger(config, out.stream).warn({ username: 'admin', password: 'generated-1' }, 'created the administrator account');
    expect(out.lines()[0]).toMatchObject({ password: 'generated-1' });
  });
});
