import { Style } from './xlsx/parts.js';

/**
 * Writing sheet XML straight into bytes (imported-xml.ts, failed-xml.ts): markup, numbers, and
 * text copied with the few characters XML needs escaped, as xmlText escapes them.
 */

/** Markup as bytes, to be written by `put`: copying bytes beats reading a string's characters. */
export function markup(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

/** Pieces of a row's markup. */
export const ROW_OPEN = markup('<row r="');
export const ROW_OPENED = markup('">');
export const VALUE_OPEN = markup('"><v>');
export const VALUE_CLOSE = markup('</v></c>');
export const TEXT_OPEN = markup('" t="inlineStr"><is><t>');
export const TEXT_OPEN_SPACED = markup('" t="inlineStr"><is><t xml:space="preserve">');
export const TEXT_CLOSE = markup('</t></is></c>');
export const ROW_CLOSE = markup('</row>');
/** The Text format's attribute, closing the cell reference before it. */
export const TEXT_STYLE = markup(`" s="${Style.text}`);

/** Writes markup made by `markup`; returns where it ends. */
export function put(buffer: Buffer, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buffer[at + i] = bytes[i]!;
  return at + bytes.length;
}

/** Writes ASCII text; returns where it ends. */
export function ascii(buffer: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) buffer[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** A non-negative integer's decimal digits. */
export function digits(buffer: Buffer, at: number, n: number): number {
  let length = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) length++;
  for (let i = at + length - 1, rest = n; i >= at; i--, rest = Math.floor(rest / 10)) buffer[i] = 48 + (rest % 10);
  return at + length;
}

/** Copies bytes: short runs byte by byte (Buffer.copy makes a view per call), long ones natively. */
export function copyBytes(from: Uint8Array, start: number, stop: number, to: Uint8Array, at: number): number {
  if (stop - start > 64) {
    to.set(from.subarray(start, stop), at);
    return at + stop - start;
  }
  for (let i = start; i < stop; i++) to[at++] = from[i]!;
  return at;
}

/** One byte of text, & < > and CR escaped as xmlText escapes them. */
export function escapedByte(b: number, buffer: Buffer, at: number): number {
  switch (b) {
    case 0x26:
      return ascii(buffer, at, '&amp;');
    case 0x3c:
      return ascii(buffer, at, '&lt;');
    case 0x3e:
      return ascii(buffer, at, '&gt;');
    case 0x0d:
      return ascii(buffer, at, '&#xD;');
    default:
      buffer[at] = b;
      return at + 1;
  }
}

/** A number's decimal digits, written once and copied many times (a row's number, into each of its cells). */
export class KeptDigits {
  private readonly bytes = new Uint8Array(16);
  private length = 0;

  /** Keeps the digits of the non-negative integer `n`. */
  set(n: number): void {
    this.length = digits(this.bytes as Buffer, 0, n);
  }

  /** Writes the kept digits; returns where they end. */
  copy(buffer: Buffer, at: number): number {
    for (let i = 0; i < this.length; i++) buffer[at + i] = this.bytes[i]!;
    return at + this.length;
  }
}
