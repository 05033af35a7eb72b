import type { Readable } from 'node:stream';
import { toBuffer } from './chunks.js';

/**
 * A stream's chunks one by one, each the Buffer its source pushed, with backpressure.
 *
 * `for await` on a byte stream reads in paused mode, and `read()` there returns everything
 * buffered at once: when the consumer falls behind, it gets one new Buffer concatenated from
 * several chunks. On a fill that costs a copy and a fresh allocation per megabyte, and the
 * upstream connection's read buffers, which it recycles by identity, never come back. Here the
 * stream flows and is paused after each chunk until the consumer has taken it.
 *
 * Ends at the stream's 'end'; throws its error, or an error when it closes before its end. A
 * consumer that stops early (break, throw) destroys the stream, as `for await` does.
 */
export async function* chunksAsPushed(stream: Readable): AsyncGenerator<Buffer, void, undefined> {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const signal = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const onData = (chunk: unknown) => {
    queue.push(toBuffer(chunk));
    stream.pause();
    signal();
  };
  const onEnd = () => {
    ended = true;
    signal();
  };
  const onError = (error: Error) => {
    failure ??= error;
    signal();
  };
  const onClose = () => {
    if (!ended) failure ??= new Error('the stream closed before its end');
    signal();
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('error', onError);
  stream.on('close', onClose);
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        // Let the next chunk arrive while this one is processed.
        if (queue.length === 0 && !ended) stream.resume();
        yield chunk;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.off('error', onError);
    stream.off('close', onClose);
    if (!ended && !stream.destroyed) stream.destroy();
  }
}
