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

  it('logs a failed SQL statement without its parameters (a scrypt hash among them), keeping the statement and the cause', () => {
    const hash = 'scrypt$32768$8$1$9SbwKG1HGjzaS4pr4cc1UA==$3zdMMsqhWZ0wwP4lnFFTpzEUk6D6NyvYxETGT2LKzZM=';
    const params = [1, 'r1', hash, '0000-01-01T00:00:00.000Z'];
    // The shapes drizzle (DrizzleQueryError) and PGlite give their errors: values in `params`, and in the message.
    const cause = Object.assign(new Error('date/time field value out of range'), { query: 'insert into "robots" ...', params, code: '22008' });
    const failed = Object.assign(new Error(`Failed query: insert into "robots" values ($1, $2, $3, $4)\nparams: ${params.join(',')}`, { cause }), {
      query: 'insert into "robots" values ($1, $2, $3, $4)',
      params,
    });
    const out = capture();
    const logger = createLogger(config, out.stream);
    logger.error({ err: failed }, 'request failed');
    logger.error({ err: cause }, 'cause alone');
    logger.error(failed, 'error as the first argument');
    const text = out.text();
    expect(text).not.toContain(hash);
    expect(text).not.toContain('9SbwKG1HGjzaS4pr4cc1UA');
    const [first, second] = out.lines() as Array<{ err: { message: string; stack: string; query: string } }>;
    expect(first!.err.message).toBe('Failed query: insert into "robots" values ($1, $2, $3, $4)\nparams: [not logged]: date/time field value out of range');
    expect(first!.err.query).toBe('insert into "robots" values ($1, $2, $3, $4)');
    expect(first!.err.stack).toContain('caused by: Error: date/time field value out of range');
    expect(second!.err).toMatchObject({ message: 'date/time field value out of range', code: '22008' });
    expect(second!.err).not.toHaveProperty('params');
  });
});
