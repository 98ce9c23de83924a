import type { Readable } from 'node:stream';

/** A byte stream whose first bytes have been looked at, to be read again from the start. */
export interface PeekedStream {
  /** At least `size` bytes from the start, or the whole stream if shorter. */
  readonly head: Buffer;
  /** True when the head is the whole stream. */
  readonly complete: boolean;
  /** Every chunk of the stream, the head's included; may be iterated once. */
  readonly chunks: AsyncIterable<Buffer>;
  /** Bytes handed out by `chunks` so far (for progress). */
  bytesRead(): number;
}

function toBuffer(chunk: unknown): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
}

/**
 * Reads the first `size` bytes of a stream (to tell its format, encoding and dialect) without
 * losing them: `chunks` replays them before the rest.
 */
export async function peekStream(stream: Readable, size: number): Promise<PeekedStream> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const taken: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < size) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = toBuffer(next.value);
    taken.push(chunk);
    length += chunk.length;
  }
  const head = taken.length === 1 ? taken[0]! : Buffer.concat(taken);
  let bytesRead = 0;
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      while (taken.length > 0) {
        const chunk = taken.shift()!;
        bytesRead += chunk.length;
        yield chunk;
      }
      if (ended) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        const chunk = toBuffer(next.value);
        bytesRead += chunk.length;
        yield chunk;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { head, complete: ended, chunks: chunks(), bytesRead: () => bytesRead };
}
