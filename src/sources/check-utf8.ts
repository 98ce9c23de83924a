import { isUtf8 } from 'node:buffer';
import { inputError, optionError } from '../errors.js';
import { LineTracker } from './line-tracker.js';
import { skipLeadingBytes } from './skip-bytes.js';

/** Bytes a UTF-8 sequence starting with `lead` takes, or 0 when `lead` cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Where the incomplete sequence at the end of `buf` starts (buf.length when there is none). */
function completeLength(buf: Buffer): number {
  for (let back = 1; back <= 3 && back <= buf.length; back++) {
    const byte = buf[buf.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = sequenceLength(byte);
    return need > back ? buf.length - back : buf.length;
  }
  return buf.length;
}

/** Index of the first byte of the first invalid sequence in `buf` (the slow path, on error only). */
export function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const lead = buf[i]!;
    const need = sequenceLength(lead);
    if (need === 0) return i;
    if (need === 1) {
      i++;
      continue;
    }
    // Second-byte ranges exclude overlong forms, surrogates and code points above U+10FFFF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < need; k++) {
      const byte = buf[i + k];
      if (byte === undefined) return i;
      if (k === 1 ? byte < low || byte > high : (byte & 0xc0) !== 0x80) return i;
    }
    i += need;
  }
  return -1;
}

/**
 * Passes UTF-8 bytes on unchanged, having checked them: a native check per chunk, with a
 * sequence cut at a chunk's end carried to the next. An invalid sequence or a NUL byte ends the
 * stream with an input error naming the line and byte offset, after the valid bytes before it.
 */
export async function* checkUtf8(chunks: AsyncIterable<Buffer>, name: string, skip: number): AsyncGenerator<Buffer> {
  const lines = new LineTracker();
  let offset = skip; // file offset of the next byte handed out (or carried)
  let carry: Buffer | null = null;
  for await (const raw of skipLeadingBytes(chunks, skip)) {
    let chunk = raw;
    if (carry) {
      chunk = Buffer.concat([carry, chunk]);
      carry = null;
    }
    const end = completeLength(chunk);
    const whole = end === chunk.length ? chunk : chunk.subarray(0, end);
    const nul = whole.indexOf(0);
    if (!isUtf8(whole) || nul !== -1) {
      const bad = firstInvalidUtf8(whole);
      const isNul = nul !== -1 && (bad === -1 || nul < bad);
      const at = isNul ? nul : Math.max(bad, 0);
      if (at > 0) yield whole.subarray(0, at);
      const line = lines.lineAt(whole, at);
      throw isNul ? nulError(name, line, offset + at) : invalidError(name, line, offset + at, whole[at]!);
    }
    if (end < chunk.length) carry = Buffer.from(chunk.subarray(end));
    lines.advance(whole);
    offset += whole.length;
    if (whole.length > 0) yield whole;
  }
  if (carry) {
    throw inputError(`${name}: line ${lines.lineAt(carry, 0)}: the file ends in the middle of a UTF-8 character (byte offset ${offset})`);
  }
}

function invalidError(name: string, line: number, offset: number, byte: number): Error {
  return optionError(
    (o) =>
      `${name}: line ${line}: not valid UTF-8 (byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at byte offset ${offset}); ` +
      `if the file is in another encoding, name it with ${o('encoding')} (for example ${o('encoding')} windows-1252)`,
    'input',
  );
}

export function nulError(name: string, line: number, offset: number): Error {
  return inputError(`${name}: line ${line}: a NUL byte at byte offset ${offset}: this is binary data, not CSV text`);
}
