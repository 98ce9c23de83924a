/** The chunks of a stream without its first `count` bytes (a byte order mark already read). */
export async function* skipLeadingBytes(chunks: AsyncIterable<Buffer>, count: number): AsyncGenerator<Buffer> {
  let toSkip = count;
  for await (const chunk of chunks) {
    if (toSkip === 0) {
      yield chunk;
      continue;
    }
    const dropped = Math.min(toSkip, chunk.length);
    toSkip -= dropped;
    if (dropped < chunk.length) yield chunk.subarray(dropped);
  }
}
