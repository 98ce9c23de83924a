import { inputError } from '../errors.js';
import { nulError } from './check-utf8.js';
import { LineTracker } from './line-tracker.js';
import { encodingName, type TextEncoding } from './text-encoding.js';
import { skipLeadingBytes } from './skip-bytes.js';
import { iconvLite } from './legacy-encodings.js';

/** A UTF-16 code unit that is half of a pair without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Turns the chunks of one encoding into text, and says where its bytes were not valid. */
interface ChunkDecoder {
  write(bytes: Buffer): string;
  /** Text held back at the end (half a surrogate pair); throws when the file ends mid-character. */
  end(): string;
  /** Index of the first character of a write's text that stands for invalid bytes, or -1. */
  invalidAt(text: string): number;
  /** File offset of the character at `index` of the last text, given the offset of the last write's bytes. */
  byteOffset(text: string, index: number, writeOffset: number): number;
}

function utf16Decoder(bigEndian: boolean): ChunkDecoder {
  let pending = Buffer.alloc(0); // an odd byte at a chunk's end
  let heldHigh = ''; // a high surrogate at a chunk's end waits for its low half
  let carried = 0; // bytes of the last text that came before the last write
  return {
    write(bytes) {
      carried = pending.length + heldHigh.length * 2;
      const all = pending.length > 0 ? Buffer.concat([pending, bytes]) : bytes;
      const even = all.length & ~1;
      pending = Buffer.from(all.subarray(even));
      const units = Buffer.from(all.subarray(0, even));
      if (bigEndian) units.swap16();
      let text = heldHigh + units.toString('utf16le');
      heldHigh = '';
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        heldHigh = text.slice(-1);
        text = text.slice(0, -1);
      }
      return text;
    },
    end() {
      if (pending.length > 0) throw new Error('the file ends in the middle of a UTF-16 character');
      carried = heldHigh.length * 2;
      return heldHigh; // a lone high surrogate: invalidAt finds it
    },
    invalidAt: (text) => text.search(LONE_SURROGATE),
    byteOffset: (_text, index, writeOffset) => writeOffset - carried + index * 2,
  };
}

function legacyDecoder(name: string): ChunkDecoder {
  const iconv = iconvLite();
  const decoder = iconv.getDecoder(name);
  return {
    write: (bytes) => decoder.write(bytes),
    end: () => decoder.end() ?? '',
    // Bytes without a character in the encoding come out as U+FFFD, which no legacy encoding holds.
    invalidAt: (text) => text.indexOf('\uFFFD'),
    byteOffset: (text, index, writeOffset) => writeOffset + iconv.encode(text.slice(0, index), name).length,
  };
}

/**
 * Transcodes UTF-16 or a legacy encoding to UTF-8 chunks for the CSV reader. Bytes that are not
 * valid in the encoding, and NUL characters, end the stream with an input error naming the
 * line and byte offset, after the valid text before them.
 */
export async function* transcodeToUtf8(
  chunks: AsyncIterable<Buffer>,
  encoding: Exclude<TextEncoding, { kind: 'utf-8' }>,
  name: string,
  skip: number,
): AsyncGenerator<Buffer> {
  const decoder = encoding.kind === 'legacy' ? legacyDecoder(encoding.name) : utf16Decoder(encoding.kind === 'utf-16be');
  const label = encodingName(encoding);
  const lines = new LineTracker();
  let offset = skip; // file offset of the next chunk's first byte
  /** The text as UTF-8, or the valid text before its first bad character and the error. */
  const convert = (text: string, writeOffset: number): { out: Buffer; error: Error | null } => {
    const bad = decoder.invalidAt(text);
    const nul = text.indexOf('\0');
    if (bad === -1 && nul === -1) {
      const out = Buffer.from(text, 'utf8');
      lines.advance(out);
      return { out, error: null };
    }
    const isNul = nul !== -1 && (bad === -1 || nul < bad);
    const at = isNul ? nul : bad;
    const out = Buffer.from(text.slice(0, at), 'utf8');
    const line = lines.lineAt(out, out.length);
    const byteOffset = decoder.byteOffset(text, at, writeOffset);
    const error = isNul
      ? nulError(name, line, byteOffset)
      : inputError(`${name}: line ${line}: not valid ${label} (the bytes at byte offset ${byteOffset} are not a character in ${label}); is the file in another encoding?`);
    return { out, error };
  };
  for await (const chunk of skipLeadingBytes(chunks, skip)) {
    const { out, error } = convert(decoder.write(chunk), offset);
    if (out.length > 0) yield out;
    if (error) throw error;
    offset += chunk.length;
  }
  let rest: string;
  try {
    rest = decoder.end();
  } catch (err) {
    throw inputError(`${name}: line ${lines.lineAt(Buffer.alloc(0), 0)}: ${(err as Error).message} (byte offset ${offset - 1})`);
  }
  if (rest) {
    const { out, error } = convert(rest, offset);
    if (out.length > 0) yield out;
    if (error) throw error;
  }
}
