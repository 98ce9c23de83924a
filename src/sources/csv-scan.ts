/**
 * Finds where the records of CSV text begin and end without building their fields: the fast
 * first pass of an enqueue, which only needs record boundaries, line numbers and the values of
 * the unique columns. The workers parse each chunk's text with csv-parse itself.
 *
 * The state machine is csv-parse's own (7.x, options `relax_quotes`, `relax_column_count`, no
 * trim, no comments, `"` as quote and escape), so that the records found here are exactly the
 * records csv-parse returns for the same bytes, and a slice of whole records parses on its own
 * to the same fields as in the whole file (test/unit/csv-scan.test.ts compares them on random
 * input):
 * - a quote opens a quoted field only when the field has no content yet; elsewhere it is text;
 * - inside quotes, `""` is one quote; a quote followed by the delimiter, a record delimiter or
 *   the end closes the field; followed by anything else, the quote and what follows are text;
 * - the record delimiter is the first CRLF, LF or CR met outside quotes, and from then on only
 *   that one ends records (a lone CR in a file of LF lines is text).
 */

export const LINE_END_UNKNOWN = 0;
export const LINE_END_LF = 1;
export const LINE_END_CR = 2;
export const LINE_END_CRLF = 3;
export type LineEnd = typeof LINE_END_UNKNOWN | typeof LINE_END_LF | typeof LINE_END_CR | typeof LINE_END_CRLF;

/** The text of each line end, for csv-parse's `record_delimiter`. */
export const LINE_END_TEXT: Readonly<Record<Exclude<LineEnd, 0>, string>> = { 1: '\n', 2: '\r', 3: '\r\n' };

const QUOTE = 34;
const CR = 13;
const LF = 10;

const OTHER = 0;
const IS_QUOTE = 1;
const IS_DELIMITER = 2;
const IS_CR = 3;
const IS_LF = 4;

/** Field of a record as found by the scan, for the value of a unique column. */
export const FIELD_PLAIN = 0; // no quote in it: the bytes are the value
export const FIELD_QUOTED = 1; // "..." closed cleanly: the bytes inside, with "" read as "
export const FIELD_OTHER = 2; // stray quotes: only csv-parse itself says what the value is

/** What the scan found about one record. Reused from record to record. */
export interface ScannedRecord {
  /** Offset of the record delimiter that ends it (the end of the data for the last record). */
  contentEnd: number;
  /** Offset just past that delimiter: where the next record starts. */
  end: number;
  fields: number;
  /** No field has any content (a blank line, or nothing but separators). */
  blank: boolean;
  /** Line breaks inside its fields: the next record starts this many lines + 1 further down. */
  breaks: number;
  /** For each wanted field (see scanRecord): its start, end and kind (FIELD_*); -1 when absent. */
  readonly wantedStart: Int32Array;
  readonly wantedEnd: Int32Array;
  readonly wantedKind: Uint8Array;
}

export function newScannedRecord(wantedCount: number): ScannedRecord {
  return {
    contentEnd: 0,
    end: 0,
    fields: 0,
    blank: true,
    breaks: 0,
    wantedStart: new Int32Array(wantedCount),
    wantedEnd: new Int32Array(wantedCount),
    wantedKind: new Uint8Array(wantedCount),
  };
}

/**
 * Receives every field of a record (when the caller wants them all): start, end, kind (FIELD_*),
 * field n at index n. The record's fields are the first ScannedRecord.fields; what lies past them
 * is an earlier record's. Written by index, never emptied: arrays emptied for each of millions of
 * records were given new backing stores each time, for the collector to free.
 */
export interface FieldSink {
  readonly starts: number[];
  readonly ends: number[];
  readonly kinds: number[];
}

/** The dialect of the text; `lineEnd` is discovered by the scan when unknown. */
export interface ScanDialect {
  readonly delimiter: number;
  lineEnd: LineEnd;
}

/** A complete record was found. */
export const SCAN_RECORD = 1;
/** The record goes on past the data given: scan again with more. */
export const SCAN_MORE = 0;
/** The data ended (final) inside a quoted field. */
export const SCAN_UNCLOSED_QUOTE = -1;
/** The record has more fields than allowed. */
export const SCAN_TOO_MANY_FIELDS = -2;
export type ScanResult = typeof SCAN_RECORD | typeof SCAN_MORE | typeof SCAN_UNCLOSED_QUOTE | typeof SCAN_TOO_MANY_FIELDS;

const classes = new Map<number, Uint8Array>();

function classTable(delimiter: number): Uint8Array {
  let table = classes.get(delimiter);
  if (!table) {
    table = new Uint8Array(65536); // bytes, or UTF-16 code units (see splitRecords)
    table[QUOTE] = IS_QUOTE;
    table[CR] = IS_CR;
    table[LF] = IS_LF;
    table[delimiter] = IS_DELIMITER;
    classes.set(delimiter, table);
  }
  return table;
}

/** 1 or 2 when a record delimiter starts at j, 0 when none does, -1 when more data is needed to say. */
function lineEndAt(data: Uint8Array | Uint16Array, j: number, limit: number, final: boolean, dialect: ScanDialect): number {
  if (j >= limit) return final ? 0 : -1;
  const c = data[j];
  switch (dialect.lineEnd) {
    case LINE_END_LF:
      return c === LF ? 1 : 0;
    case LINE_END_CR:
      return c === CR ? 1 : 0;
    case LINE_END_CRLF:
      if (c !== CR) return 0;
      if (j + 1 >= limit) return final ? 0 : -1;
      return data[j + 1] === LF ? 2 : 0;
    default:
      // Not known yet: the first CRLF, LF or CR met outside quotes decides, as in csv-parse.
      if (c === LF) {
        dialect.lineEnd = LINE_END_LF;
        return 1;
      }
      if (c !== CR) return 0;
      if (j + 1 >= limit) {
        if (!final) return -1;
        dialect.lineEnd = LINE_END_CR;
        return 1;
      }
      dialect.lineEnd = data[j + 1] === LF ? LINE_END_CRLF : LINE_END_CR;
      return dialect.lineEnd === LINE_END_CRLF ? 2 : 1;
  }
}

/** Marks every wanted field absent (-1) before a record is scanned. */
function clearWanted(out: ScannedRecord, wanted: Int32Array): void {
  if (wanted.length === 0) return;
  out.wantedStart.fill(-1);
  out.wantedEnd.fill(-1);
}

/** Notes field number `field` (start, end, kind) in the sink and, when wanted, in `out`; returns the next wanted position. */
function noteField(sink: FieldSink | null, out: ScannedRecord, wanted: Int32Array, nextWanted: number, field: number, start: number, end: number, kind: number): number {
  if (sink) {
    sink.starts[field] = start;
    sink.ends[field] = end;
    sink.kinds[field] = kind;
  }
  if (nextWanted < wanted.length && wanted[nextWanted] === field) {
    out.wantedStart[nextWanted] = start;
    out.wantedEnd[nextWanted] = end;
    out.wantedKind[nextWanted] = kind;
    return nextWanted + 1;
  }
  return nextWanted;
}

/**
 * Scans one record of `data` (UTF-8 bytes, or UTF-16 code units: the characters that matter are
 * ASCII either way) from `pos` (a record's start) up to `limit`. `final` says no more
 * data follows. `wanted` lists field indexes (ascending) whose positions are reported in `out`;
 * `sink`, when given, receives every field's.
 */
export function scanRecord(
  data: Uint8Array | Uint16Array,
  pos: number,
  limit: number,
  final: boolean,
  dialect: ScanDialect,
  maxFields: number,
  wanted: Int32Array,
  out: ScannedRecord,
  sink: FieldSink | null = null,
): ScanResult {
  const cls = classTable(dialect.delimiter);
  clearWanted(out, wanted);
  let nextWanted = 0;
  let field = 0;
  let fieldStart = pos;
  let fieldContent = 0;
  let kind = FIELD_PLAIN;
  let blank = true;
  let breaks = 0;
  let quoting = false;
  let i = pos;

  while (i < limit) {
    const t = cls[data[i]!]!;
    if (quoting) {
      if (t !== IS_QUOTE) {
        // A run of quoted text: only line breaks matter in it.
        let j = i;
        for (; j < limit; j++) {
          const u = cls[data[j]!]!;
          if (u === IS_QUOTE) break;
          if (u === IS_CR || (u === IS_LF && !(j > pos && data[j - 1] === CR))) breaks++;
        }
        fieldContent += j - i;
        blank = false;
        i = j;
        continue;
      }
      if (i + 1 >= limit) {
        if (!final) return SCAN_MORE;
        quoting = false; // the end of the data closes it
        i++;
        continue;
      }
      const next = data[i + 1]!;
      if (next === QUOTE) {
        i += 2; // "" inside quotes: one quote of content
        fieldContent++;
        blank = false;
        continue;
      }
      if (next === dialect.delimiter) {
        quoting = false;
        i++;
        continue;
      }
      const ends = lineEndAt(data, i + 1, limit, final, dialect);
      if (ends < 0) return SCAN_MORE;
      quoting = false;
      i++;
      if (ends > 0) continue;
      // A quote followed by text: csv-parse keeps the opening quote and this one as text.
      fieldContent += 2;
      kind = FIELD_OTHER;
      blank = false;
      continue;
    }
    if (t === OTHER) {
      // A run of plain text.
      let j = i + 1;
      while (j < limit && cls[data[j]!] === OTHER) j++;
      fieldContent += j - i;
      blank = false;
      i = j;
      continue;
    }
    if (t === IS_QUOTE) {
      if (fieldContent === 0) {
        quoting = true;
        kind = i === fieldStart ? FIELD_QUOTED : FIELD_OTHER;
      } else {
        fieldContent++;
        kind = FIELD_OTHER;
        blank = false;
      }
      i++;
      continue;
    }
    let ends = 0;
    if (t !== IS_DELIMITER) {
      // CR or LF outside quotes: a record delimiter, or text.
      ends = lineEndAt(data, i, limit, final, dialect);
      if (ends < 0) return SCAN_MORE;
      if (ends === 0) {
        // Text, and a line break: a CR LF pair here would have been a line end.
        fieldContent++;
        blank = false;
        breaks++;
        i++;
        continue;
      }
    }
    // The end of a field.
    nextWanted = noteField(sink, out, wanted, nextWanted, field, fieldStart, i, kind);
    if (++field > maxFields) return SCAN_TOO_MANY_FIELDS;
    if (ends > 0) {
      out.contentEnd = i;
      out.end = i + ends;
      out.fields = field;
      out.blank = blank;
      out.breaks = breaks;
      return SCAN_RECORD;
    }
    i++;
    fieldStart = i;
    fieldContent = 0;
    kind = FIELD_PLAIN;
  }
  if (!final) return SCAN_MORE;
  if (quoting) return SCAN_UNCLOSED_QUOTE;
  noteField(sink, out, wanted, nextWanted, field, fieldStart, limit, kind);
  if (++field > maxFields) return SCAN_TOO_MANY_FIELDS;
  out.contentEnd = limit;
  out.end = limit;
  out.fields = field;
  out.blank = blank;
  out.breaks = breaks;
  return SCAN_RECORD;
}

/**
 * The text scanPlainRecord reads (the data as latin1: one character per byte, so that offsets
 * are byte offsets), and where the next quote and carriage return are, looked up again only
 * once passed.
 */
export interface PlainScan {
  readonly text: string;
  quoteAt: number;
  crAt: number;
}

export function newPlainScan(data: Buffer): PlainScan {
  return { text: data.toString('latin1'), quoteAt: -1, crAt: -1 };
}

function indexOrLength(text: string, char: string, from: number): number {
  const at = text.indexOf(char, from);
  return at < 0 ? text.length : at;
}

/**
 * scanRecord's result for the record at `pos` when that record is plain: the file's line end
 * (LF or CRLF, already known) follows it in the data, and no quote and no other CR comes before
 * that. Returns false, leaving the rest to scanRecord, for any other record (and for one with
 * more than `maxFields` fields, which scanRecord reports).
 *
 * Why: most records of most files are plain, and String.indexOf over the latin1 view finds
 * their separators at far less CPU than scanRecord's byte loop (the enqueue's largest cost).
 */
export function scanPlainRecord(scan: PlainScan, pos: number, dialect: ScanDialect, maxFields: number, wanted: Int32Array, out: ScannedRecord): boolean {
  const crlf = dialect.lineEnd === LINE_END_CRLF;
  if (dialect.lineEnd !== LINE_END_LF && !crlf) return false;
  const text = scan.text;
  const lf = text.indexOf('\n', pos);
  if (lf < 0) return false;
  const contentEnd = crlf ? lf - 1 : lf;
  if (contentEnd < pos) return false;
  if (scan.quoteAt < pos) scan.quoteAt = indexOrLength(text, '"', pos);
  if (scan.quoteAt < contentEnd) return scanQuotedRecord(scan, pos, crlf, dialect.delimiter, maxFields, wanted, out);
  if (scan.crAt < pos) scan.crAt = indexOrLength(text, '\r', pos);
  // In a CRLF file the first CR is the line end's own; in an LF file there is none before it.
  if (crlf ? scan.crAt !== contentEnd : scan.crAt < contentEnd) return false;
  const delimiter = String.fromCharCode(dialect.delimiter);
  clearWanted(out, wanted);
  let nextWanted = 0;
  let field = 0;
  let start = pos;
  for (;;) {
    let at = text.indexOf(delimiter, start);
    if (at < 0 || at > contentEnd) at = contentEnd;
    nextWanted = noteField(null, out, wanted, nextWanted, field, start, at, FIELD_PLAIN);
    if (++field > maxFields) return false;
    if (at === contentEnd) break;
    start = at + 1;
  }
  out.contentEnd = contentEnd;
  out.end = lf + 1;
  out.fields = field;
  out.blank = contentEnd - pos === field - 1;
  out.breaks = 0;
  return true;
}

const DOUBLE_QUOTE = '"';

/**
 * Line breaks in text[from, to) as scanRecord counts them inside quotes: a CR, or an LF not after
 * a CR. The next CR is the scan's, kept from record to record: in a file without one, looking for
 * it anew in every field would read to the data's end each time.
 */
function breaksIn(scan: PlainScan, from: number, to: number): number {
  const text = scan.text;
  let breaks = 0;
  for (let at = text.indexOf('\n', from); at >= 0 && at < to; at = text.indexOf('\n', at + 1)) if (at === from || text.charCodeAt(at - 1) !== CR) breaks++;
  if (scan.crAt < from) scan.crAt = indexOrLength(text, '\r', from);
  while (scan.crAt < to) {
    breaks++;
    scan.crAt = indexOrLength(text, '\r', scan.crAt + 1);
  }
  return breaks;
}

/**
 * scanPlainRecord for a record with quotes, when every quoted field is closed cleanly (its closing
 * quote followed by the separator or the line end) and no other field holds a quote or a stray
 * line break character: the fields are found with String.indexOf, a quoted field jumped over from
 * quote to quote. False for any other record (stray quotes, a record running past the data),
 * which scanRecord reads. A unit test compares the two on random texts.
 */
function scanQuotedRecord(scan: PlainScan, pos: number, crlf: boolean, delimiterCode: number, maxFields: number, wanted: Int32Array, out: ScannedRecord): boolean {
  const text = scan.text;
  const length = text.length;
  const delimiter = String.fromCharCode(delimiterCode);
  clearWanted(out, wanted);
  let nextWanted = 0;
  let field = 0;
  let blank = true;
  let breaks = 0;
  let i = pos;
  // Next separator and LF at or after i: looked up again once passed. (The next CR and quote,
  // which may be far, are the scan's, kept from record to record.)
  let delimiterAt = -1;
  let lfAt = -1;
  for (;;) {
    let end: number;
    let kind: number;
    let next: number; // what ends the field: the separator, or the line end
    if (text.charCodeAt(i) === QUOTE) {
      // A quoted field: to its closing quote, over doubled ones.
      let close = text.indexOf(DOUBLE_QUOTE, i + 1);
      while (close >= 0 && close + 1 < length && text.charCodeAt(close + 1) === QUOTE) close = text.indexOf(DOUBLE_QUOTE, close + 2);
      if (close < 0 || close + 1 >= length) return false;
      if (close > i + 1) {
        blank = false;
        breaks += breaksIn(scan, i + 1, close);
      }
      end = close + 1;
      kind = FIELD_QUOTED;
      next = text.charCodeAt(end);
      if (next !== delimiterCode && !(crlf ? next === CR && text.charCodeAt(end + 1) === LF : next === LF)) return false;
    } else {
      // A plain field: to the separator or the line end, with no quote or line break character before.
      if (delimiterAt < i) delimiterAt = indexOrLength(text, delimiter, i);
      if (lfAt < i) lfAt = indexOrLength(text, '\n', i);
      if (scan.crAt < i) scan.crAt = indexOrLength(text, '\r', i);
      if (scan.quoteAt < i) scan.quoteAt = indexOrLength(text, DOUBLE_QUOTE, i);
      const crAt = scan.crAt;
      const quoteAt = scan.quoteAt;
      // The line end: an LF (LF files), or a CR before an LF (CRLF files); a lone CR or LF is text.
      const lineEnd = crlf ? crAt : lfAt;
      if (lineEnd === length) return false;
      end = delimiterAt < lineEnd ? delimiterAt : lineEnd;
      if (quoteAt < end || (crlf ? lfAt < end || (end === lineEnd && text.charCodeAt(lineEnd + 1) !== LF) : crAt < end)) return false;
      if (end > i) blank = false;
      kind = FIELD_PLAIN;
      next = end === delimiterAt ? delimiterCode : crlf ? CR : LF;
    }
    nextWanted = noteField(null, out, wanted, nextWanted, field, i, end, kind);
    if (++field > maxFields) return false;
    if (next === delimiterCode) {
      i = end + 1;
      continue;
    }
    out.contentEnd = end;
    out.end = end + (crlf ? 2 : 1);
    out.fields = field;
    out.blank = blank;
    out.breaks = breaks;
    return true;
  }
}
