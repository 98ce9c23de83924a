import { isUtf8 } from 'node:buffer';
import type { ImportRecord } from '../import-record.js';
import { cell } from './cells.js';
import type { NextRow, XmlBytesOut } from './imported-xml.js';
import { forUploader } from './uploader-text.js';
import { Style } from './xlsx/parts.js';
import { cellXml, isXmlSpace } from './xlsx/row-xml.js';
import { columnLetters } from './xlsx/xml-text.js';
import { charReference, copyBytes, escapedByte, markup, put, ROW_CLOSE, RowMarkup, SPACED_TEXT_CLOSE, TEXT_OPEN, TEXT_OPEN_SPACED, TEXT_STYLE, utf8Length, VALUE_CLOSE, VALUE_OPEN } from './xml-bytes.js';

/** A failed row's entry the bytes cannot be rendered from as they are: its text, to be rendered from its values. */
export type EntryAsValues = (entry: string) => void;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const LF = 0x0a;
const EMPTY_CLOSE = markup('"/>');
/** Column of the Errors sheet holding a row's problems (after Row and Line). */
const PROBLEMS_COLUMN = 2;
const PROBLEMS_LETTERS = columnLetters(PROBLEMS_COLUMN);

/**
 * A value's bytes beyond this may hold more characters than a cell takes (cell() cuts them):
 * such a row goes by its values. Its characters (UTF-16 units) are never more than its bytes.
 */
const MAX_VALUE_BYTES = 32_767;

/** What the scan of a JSON string found (valueScan): nothing to undo or escape. */
const PLAIN = 0;
/** Has an escape, a character XML escapes or one beyond ASCII: written by copyValue. */
const NEEDS_WORK = 1;

/**
 * The Errors sheet's rows straight from the bytes of a chunk's failed rows (encodeFailedRow's
 * JSON, `[row, line, [values], [messages]]`, one a line): the file's values are copied into the
 * sheet's XML with JSON's escapes undone, the few characters XML needs escaped and the
 * characters beyond ASCII as references (xml-bytes.ts); the messages, a short text that goes
 * through forUploader, are read as text. The same XML as rowXml on the
 * row's values (SheetRowsRenderer's values path, which a test compares it with), without a
 * string per value or row. An entry it is unsure of (a \u escape, a value longer than a cell
 * takes, any other shape) goes to `asValues` whole.
 */
export class FailedXmlFromBytes {
  /** The value scanned last (valueScan): its kind, and its first and last characters once unescaped. */
  private kindFound = PLAIN;
  private first = 0;
  private last = 0;
  /** The row being written: where each value's text is (inside its quotes) and how it reads. */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly kinds: number[] = [];
  private readonly firsts: number[] = [];
  private readonly lasts: number[] = [];
  /** The row's opening markup and its cells' references. */
  private readonly markup = new RowMarkup();

  constructor(private readonly record: Pick<ImportRecord, 'source' | 'target'>) {}

  /** Renders every entry of `text` (entries joined by line feeds). */
  render(text: Buffer, next: NextRow, out: XmlBytesOut, asValues: EntryAsValues): void {
    // Bytes that are not UTF-8 (no worker writes them): the values path reads them as text.
    const readable = isUtf8(text);
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf(LF, start);
      if (end < 0) end = text.length;
      if (!readable || !this.writeEntry(text, start, end, next, out)) asValues(text.toString('utf8', start, end));
      start = end + 1;
    }
  }

  /** Writes one entry; false, having written nothing, when it must go by its values. */
  private writeEntry(data: Buffer, start: number, end: number, next: NextRow, out: XmlBytesOut): boolean {
    // [row,line,[values],[messages]]
    if (data[start] !== OPEN || data[end - 1] !== CLOSE) return false;
    const rowStart = start + 1;
    const rowEnd = integerEnd(data, rowStart, end);
    if (rowEnd < 0 || data[rowEnd] !== COMMA) return false;
    const lineStart = rowEnd + 1;
    let lineEnd = integerEnd(data, lineStart, end);
    const noLine = lineEnd < 0 && data.toString('latin1', lineStart, lineStart + 4) === 'null';
    if (noLine) lineEnd = lineStart + 4;
    if (lineEnd < 0 || data[lineEnd] !== COMMA || data[lineEnd + 1] !== OPEN) return false;
    const { starts, ends, kinds, firsts, lasts } = this;
    starts.length = ends.length = kinds.length = firsts.length = lasts.length = 0;
    let at = lineEnd + 2;
    let bytes = 0;
    if (data[at] === CLOSE) at++;
    else {
      for (;;) {
        if (data[at] !== QUOTE) return false;
        const close = this.valueScan(data, at + 1, end);
        if (close < 0 || close - at - 1 > MAX_VALUE_BYTES) return false;
        starts.push(at + 1);
        ends.push(close);
        kinds.push(this.kindFound);
        firsts.push(this.first);
        lasts.push(this.last);
        bytes += close - at;
        at = close + 1;
        if (data[at] === COMMA) at++;
        else if (data[at] === CLOSE) {
          at++;
          break;
        } else return false;
      }
    }
    if (data[at] !== COMMA || data[at + 1] !== OPEN) return false;
    let messages: unknown;
    try {
      messages = JSON.parse(data.toString('utf8', at + 1, end - 1));
    } catch {
      return false;
    }
    if (!Array.isArray(messages) || !messages.every((m) => typeof m === 'string')) return false;
    const problems = cell(forUploader(this.record, messages.join('; '))) as string;

    const r = next();
    // A cell's markup is under 96 bytes; an escaped byte takes 5 at most (&amp;; a character
    // beyond ASCII, 2 to 4 bytes, takes 7 to 10 as a reference), a problem's UTF-16 unit 8
    // (&#xFFFD;).
    const { buffer, at: from } = out.room(256 + 8 * problems.length + 5 * bytes + 96 * starts.length);
    let o = this.markup.startRow(buffer, from, r);
    o = copyBytes(data, rowStart, rowEnd, buffer, o);
    o = put(buffer, o, VALUE_CLOSE);
    if (!noLine) {
      o = this.markup.openCell(buffer, o, 1);
      o = put(buffer, o, VALUE_OPEN);
      o = copyBytes(data, lineStart, lineEnd, buffer, o);
      o = put(buffer, o, VALUE_CLOSE);
    }
    // Short text that went through forUploader: written as rowXml writes it.
    o += buffer.write(cellXml(PROBLEMS_LETTERS + r, problems, Style.plain, false), o, 'utf8');
    for (let v = 0; v < starts.length; v++) {
      o = this.markup.openCell(buffer, o, v + 3);
      o = put(buffer, o, TEXT_STYLE);
      const s = starts[v]!;
      const e = ends[v]!;
      if (s === e) {
        o = put(buffer, o, EMPTY_CLOSE);
        continue;
      }
      const space = isXmlSpace(firsts[v]!) || isXmlSpace(lasts[v]!);
      o = put(buffer, o, space ? TEXT_OPEN_SPACED : TEXT_OPEN);
      o = kinds[v] === PLAIN ? copyBytes(data, s, e, buffer, o) : copyValue(data, s, e, buffer, o);
      o = put(buffer, o, space ? SPACED_TEXT_CLOSE : VALUE_CLOSE);
    }
    o = put(buffer, o, ROW_CLOSE);
    out.wrote(o);
    return true;
  }

  /**
   * Scans the JSON string starting at `from` (after its opening quote): returns the index of its
   * closing quote; -1 when there is none, or when it holds what only the values path writes right
   * (\u escapes, \b, \f, U+FFFE, U+FFFF). Notes its kind and its first and last characters once
   * unescaped.
   */
  private valueScan(data: Buffer, from: number, end: number): number {
    let kind = PLAIN;
    let first = -1;
    let last = -1;
    for (let i = from; i < end; i++) {
      let b = data[i]!;
      if (b === QUOTE) {
        this.kindFound = kind;
        this.first = first;
        this.last = last;
        return i;
      }
      if (b === BACKSLASH) {
        const e = data[++i];
        if (e === 0x6e) b = LF;
        else if (e === 0x74) b = 0x09;
        else if (e === 0x72) b = 0x0d;
        else if (e === QUOTE || e === BACKSLASH || e === 0x2f) b = e;
        else return -1; // \u, \b, \f: what xmlText replaces or JSON escapes by code
        kind = NEEDS_WORK;
      } else if (b >= 0x80) {
        if (b === 0xef && data[i + 1] === 0xbf && (data[i + 2] === 0xbe || data[i + 2] === 0xbf)) return -1;
        kind = NEEDS_WORK; // written as references
      } else if (b === 0x26 || b === 0x3c || b === 0x3e) kind = NEEDS_WORK;
      else if (b < 0x20) return -1; // never raw in JSON
      if (first < 0) first = b;
      last = b;
    }
    return -1;
  }

}

/** Where a non-negative JSON integer starting at `from` ends; -1 when there is none. */
function integerEnd(data: Buffer, from: number, end: number): number {
  let i = from;
  while (i < end && data[i]! >= 0x30 && data[i]! <= 0x39) i++;
  if (i === from || (data[from] === 0x30 && i > from + 1)) return -1;
  return i;
}

/**
 * Copies a JSON string's inside (valueScan found it fit), undoing its escapes, escaping & < > CR
 * for XML and writing the characters beyond ASCII as references (the text is valid UTF-8).
 */
function copyValue(data: Buffer, start: number, stop: number, buffer: Buffer, at: number): number {
  for (let i = start; i < stop; i++) {
    let b = data[i]!;
    if (b === BACKSLASH) {
      const e = data[++i]!;
      b = e === 0x6e ? LF : e === 0x74 ? 0x09 : e === 0x72 ? 0x0d : e;
    } else if (b >= 0x80) {
      at = charReference(data, i, buffer, at);
      i += utf8Length(b) - 1;
      continue;
    }
    at = escapedByte(b, buffer, at);
  }
  return at;
}
