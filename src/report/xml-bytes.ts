import { Style } from './xlsx/parts.js';
import { columnLetters } from './xlsx/xml-text.js';

/**
 * Writing sheet XML straight into bytes (imported-xml.ts, failed-xml.ts): markup, numbers, and
 * text copied with the few characters XML needs escaped and the characters beyond ASCII as
 * references, as xmlText writes them.
 */

/** Markup as bytes, to be written by `put`: copying bytes beats reading a string's characters. */
export function markup(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

/** Pieces of a row's markup. */
export const ROW_OPEN = markup('<row r="');
/** The row's opening closed, and its first cell (column A) opened. */
const FIRST_CELL_OPEN = markup('"><c r="A');
export const VALUE_OPEN = markup('"><v>');
export const VALUE_CLOSE = markup('</v></c>');
/**
 * A text cell's value in `<v>` (`t="str"`): 15 bytes a cell fewer than an inline string's
 * `<is><t>`, which is kept for text that starts or ends with white space (TEXT_OPEN_SPACED).
 */
export const TEXT_OPEN = markup('" t="str"><v>');
export const TEXT_OPEN_SPACED = markup('" t="inlineStr"><is><t xml:space="preserve">');
/** Closes a TEXT_OPEN_SPACED cell; a TEXT_OPEN one closes as a value (VALUE_CLOSE). */
export const SPACED_TEXT_CLOSE = markup('</t></is></c>');
export const ROW_CLOSE = markup('</row>');
/** The Text format's attribute, closing the cell reference before it. */
export const TEXT_STYLE = markup(`" s="${Style.text}`);

/** Writes markup made by `markup`; returns where it ends. */
export function put(buffer: Buffer, at: number, bytes: Uint8Array): number {
  const length = bytes.length;
  // TypedArray's set copies a cell's markup (14-35 bytes) in about half the time of a loop.
  if (length > PUT_BY_LOOP) {
    buffer.set(bytes, at);
    return at + length;
  }
  for (let i = 0; i < length; i++) buffer[at + i] = bytes[i]!;
  return at + length;
}

/** Markup up to this long is copied a byte at a time (set's own cost weighs more). */
const PUT_BY_LOOP = 16;

/** Writes ASCII text; returns where it ends. */
export function ascii(buffer: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) buffer[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** A non-negative integer's decimal digits. */
function digits(buffer: Buffer, at: number, n: number): number {
  let length = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) length++;
  for (let i = at + length - 1, rest = n; i >= at; i--, rest = Math.floor(rest / 10)) buffer[i] = 48 + (rest % 10);
  return at + length;
}

/**
 * A non-negative integer's decimal digits, kept: one more than the last is written by adding one
 * to its digits (rows come one after the other), any other number by dividing.
 */
export class Digits {
  private readonly bytes = new Uint8Array(16);
  private value = -1;
  /** Number of digits. */
  length = 0;

  /** Makes the digits those of `n`. */
  of(n: number): void {
    if (n === this.value + 1 && this.value >= 0) {
      const bytes = this.bytes;
      let i = this.length - 1;
      while (i >= 0 && bytes[i] === 0x39) bytes[i--] = 0x30;
      if (i >= 0) bytes[i]!++;
      else this.length = digits(bytes as Buffer, 0, n); // 99 to 100: one digit more
    } else this.length = digits(this.bytes as Buffer, 0, n);
    this.value = n;
  }

  /** Writes the digits; returns where they end. */
  write(buffer: Uint8Array, at: number): number {
    const { bytes, length } = this;
    for (let i = 0; i < length; i++) buffer[at + i] = bytes[i]!;
    return at + length;
  }
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

const HEX = markup('0123456789ABCDEF');

/**
 * The character whose UTF-8 bytes start at data[i] (a lead byte, 0xC2 to 0xF4, of a sequence
 * known to be valid) as a character reference, `&#x4E2D;`, as xmlText writes it: the sheets'
 * XML is ASCII, so that no reader can split a character between two pieces of it. Returns where
 * the reference ends; the sequence is utf8Length(data[i]) bytes long.
 */
export function charReference(data: Uint8Array, i: number, buffer: Buffer, at: number): number {
  const lead = data[i]!;
  let code: number;
  if (lead < 0xe0) code = ((lead & 0x1f) << 6) | (data[i + 1]! & 0x3f);
  else if (lead < 0xf0) code = ((lead & 0x0f) << 12) | ((data[i + 1]! & 0x3f) << 6) | (data[i + 2]! & 0x3f);
  else code = ((lead & 0x07) << 18) | ((data[i + 1]! & 0x3f) << 12) | ((data[i + 2]! & 0x3f) << 6) | (data[i + 3]! & 0x3f);
  buffer[at++] = 0x26; // &
  buffer[at++] = 0x23; // #
  buffer[at++] = 0x78; // x
  let shift = 0;
  while (code >>> (shift + 4) !== 0) shift += 4;
  for (; shift >= 0; shift -= 4) buffer[at++] = HEX[(code >>> shift) & 0xf]!;
  buffer[at++] = 0x3b; // ;
  return at;
}

/** Bytes of the UTF-8 sequence a lead byte (0xC2 to 0xF4) starts. */
export function utf8Length(lead: number): number {
  return lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
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

/**
 * How the cell written last ends (RowMarkup.nextCell, endRow): `</v></c>` (numbers, booleans,
 * text opened by TEXT_OPEN) or `</t></is></c>` (text opened by TEXT_OPEN_SPACED).
 */
export const VALUE_CELL = 0;
export const SPACED_TEXT_CELL = 1;
export type CellEnd = typeof VALUE_CELL | typeof SPACED_TEXT_CELL;

const CELL_CLOSE = ['</v></c>', '</t></is></c>'] as const;
const ROW_ENDS = [markup(`${CELL_CLOSE[VALUE_CELL]}</row>`), markup(`${CELL_CLOSE[SPACED_TEXT_CELL]}</row>`)] as const;

/**
 * A row's opening markup and its cells' references: `<row r="12"><c r="A12"><v>` to start the
 * row (its first cell holds the row's number in the file), `<c r="D12` to open any other cell.
 * The row's number is written once and copied into each reference. A cell's end and the next
 * cell's start go as one piece of markup (nextCell): copying markup is much of a row's work.
 */
export class RowMarkup {
  /** Per column of the sheet: `<c r="D`, made when first needed. */
  private readonly cellOpen: Uint8Array[] = [];
  /** Per way a cell ends, per column: that end and `<c r="D`, made when first needed. */
  private readonly afterCell: [Uint8Array[], Uint8Array[]] = [[], []];
  /** The row's number. */
  private readonly r = new Digits();

  /** Starts sheet row `r`: writes up to the first cell's value; returns where it ends. */
  startRow(buffer: Buffer, at: number, r: number): number {
    this.r.of(r);
    at = this.r.write(buffer, put(buffer, at, ROW_OPEN));
    return put(buffer, this.r.write(buffer, put(buffer, at, FIRST_CELL_OPEN)), VALUE_OPEN);
  }

  /** `<c r="D12` for column `column` of the row started last. */
  openCell(buffer: Buffer, at: number, column: number): number {
    const open = (this.cellOpen[column] ??= markup(`<c r="${columnLetters(column)}`));
    return this.r.write(buffer, put(buffer, at, open));
  }

  /** Ends the cell written last (as `end` says) and opens column `column`'s: `</v></c><c r="D12`. */
  nextCell(buffer: Buffer, at: number, end: CellEnd, column: number): number {
    const open = (this.afterCell[end][column] ??= markup(`${CELL_CLOSE[end]}<c r="${columnLetters(column)}`));
    return this.r.write(buffer, put(buffer, at, open));
  }

  /** Ends the cell written last (as `end` says) and the row. */
  endRow(buffer: Buffer, at: number, end: CellEnd): number {
    return put(buffer, at, ROW_ENDS[end]);
  }
}
