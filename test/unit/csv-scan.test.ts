import { describe, expect, it } from 'vitest';
import { parse as parseSync } from 'csv-parse/sync';
import { createCsvParseCore } from '../../src/sources/csv-parse-api.js';
import { isBlank, lineBreaksIn, parseRecords, splitRecordBytes, splitRecords } from '../../src/sources/csv-fields.js';
import {
  FIELD_OTHER,
  FIELD_QUOTED,
  LINE_END_CR,
  LINE_END_CRLF,
  LINE_END_TEXT,
  LINE_END_UNKNOWN,
  newPlainScan,
  newScannedRecord,
  SCAN_MORE,
  SCAN_RECORD,
  SCAN_UNCLOSED_QUOTE,
  scanPlainRecord,
  scanRecord,
  type LineEnd,
  type ScanDialect,
} from '../../src/sources/csv-scan.js';

/** csv-parse over the whole text, with the options the CSV reader uses. */
function csvParse(text: Buffer, delimiter: string): { records: string[][]; error: string | null } {
  const core = createCsvParseCore({ bom: false, delimiter, relax_column_count: true, relax_quotes: true });
  const records: string[][] = [];
  const push = (r: string[]): void => void records.push(r);
  const err = core.parse(text, false, push, () => {}) ?? core.parse(undefined, true, push, () => {});
  return { records, error: err ? (err as { code?: string }).code ?? err.message : null };
}

/**
 * csv-parse with no leniency about quotes, an empty quoted field read as a marker: what COPY's
 * CSV reads (it takes `""` as empty text, which the importer never has for a value).
 */
function strictCsv(text: string, delimiter: string, lineEnd: Exclude<LineEnd, 0>): string[][] {
  return parseSync(text, {
    bom: false,
    delimiter,
    record_delimiter: LINE_END_TEXT[lineEnd],
    relax_column_count: true,
    cast: (value, context) => (context.quoting && value === '' ? '<empty quoted field>' : value),
  }) as string[][];
}

interface Found {
  start: number;
  contentEnd: number;
  fields: number;
  blank: boolean;
  breaks: number;
  wanted: { start: number; end: number; kind: number }[];
}

let plainRecords = 0;
/** Records with quotes that scanPlainRecord took (jumping from quote to quote). */
let quotedPlainRecords = 0;
/** Records with quotes or line breaks given their own text in the random texts. */
let quotedGiven = 0;

/**
 * The scanner over the text, fed in pieces cut at `cuts` (each piece scanned as more arrives).
 * Where scanPlainRecord takes a record, it must find what scanRecord finds.
 */
function scan(text: Buffer, delimiter: string, wanted: number[], cuts: number[]): { found: Found[]; dialect: ScanDialect; error: string | null } {
  const dialect: ScanDialect = { delimiter: delimiter.charCodeAt(0), lineEnd: LINE_END_UNKNOWN as LineEnd };
  const out = newScannedRecord(wanted.length);
  const plainOut = newScannedRecord(wanted.length);
  const want = Int32Array.from(wanted);
  const found: Found[] = [];
  let pos = 0;
  const limits = [...cuts.filter((c) => c > 0 && c < text.length).sort((a, b) => a - b), text.length];
  for (const limit of limits) {
    const final = limit === text.length;
    const plain = newPlainScan(text.subarray(0, limit));
    while (pos < limit) {
      const tookPlain = scanPlainRecord(plain, pos, dialect, 1_000_000, want, plainOut);
      const result = scanRecord(text, pos, limit, final, dialect, 1_000_000, want, out);
      if (tookPlain) {
        plainRecords++;
        if (text.subarray(pos, plainOut.end).includes(0x22)) quotedPlainRecords++;
        expect(result).toBe(SCAN_RECORD);
        const { wantedStart, wantedEnd, wantedKind, ...rest } = plainOut;
        expect(rest, JSON.stringify(text.toString())).toEqual({ contentEnd: out.contentEnd, end: out.end, fields: out.fields, blank: out.blank, breaks: out.breaks });
        wanted.forEach((_, k) => {
          expect([wantedStart[k], wantedEnd[k]]).toEqual([out.wantedStart[k], out.wantedEnd[k]]);
          if (wantedStart[k]! >= 0) expect(wantedKind[k]).toBe(out.wantedKind[k]);
        });
      }
      if (result === SCAN_MORE) break;
      if (result === SCAN_UNCLOSED_QUOTE) return { found, dialect, error: 'CSV_QUOTE_NOT_CLOSED' };
      expect(result).toBe(SCAN_RECORD);
      found.push({
        start: pos,
        contentEnd: out.contentEnd,
        fields: out.fields,
        blank: out.blank,
        breaks: out.breaks,
        wanted: wanted.map((_, k) => ({ start: out.wantedStart[k]!, end: out.wantedEnd[k]!, kind: out.wantedKind[k]! })),
      });
      pos = out.end;
    }
  }
  return { found, dialect, error: null };
}

function decodeWanted(text: Buffer, w: { start: number; end: number; kind: number }): string | null {
  if (w.start < 0) return null;
  if (w.kind === FIELD_OTHER) return null; // csv-parse decides
  if (w.kind === FIELD_QUOTED) return text.toString('utf8', w.start + 1, w.end - 1).replaceAll('""', '"');
  return text.toString('utf8', w.start, w.end);
}

const ALPHABET = ['a', 'b', 'é', '∬', '😀', '"', '"', ',', ';', '\n', '\r', '\r\n', ' ', '""'];
/** Mostly plain records (scanPlainRecord's), with now and then what makes a record not plain. */
const PLAIN_ALPHABET = ['a', 'b', 'é', '😀', ',', ',', ';', '\n', '\n', 'a', 'b', '7', '\r\n', '\n', ',', '"', '\r', 'x', 'y', 'z'];

function randomText(rand: () => number, length: number, alphabet = ALPHABET): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

describe('scanRecord finds the records csv-parse finds', () => {
  it('on 6,000 random texts (half of them of mostly plain records), whole and fed in pieces, for records, fields, blanks, lines and unique values', () => {
    plainRecords = 0;
    quotedPlainRecords = 0;
    quotedGiven = 0;
    let seed = 12345;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let n = 0; n < 6_000; n++) {
      const delimiter = rand() < 0.7 ? ',' : ';';
      const text = Buffer.from(n % 2 === 0 ? randomText(rand, 1 + Math.floor(rand() * 30)) : randomText(rand, 1 + Math.floor(rand() * 60), PLAIN_ALPHABET));
      const expected = csvParse(text, delimiter);
      const wanted = [0, 2];
      const cuts = [Math.floor(rand() * text.length), Math.floor(rand() * text.length)];
      const { found, dialect, error } = scan(text, delimiter, wanted, cuts);
      const context = `text ${JSON.stringify(text.toString())} delimiter ${delimiter}`;
      expect(error, context).toBe(expected.error === 'CSV_QUOTE_NOT_CLOSED' ? 'CSV_QUOTE_NOT_CLOSED' : null);
      if (error) continue;
      expect(expected.error, context).toBeNull();
      expect(found.length, context).toBe(expected.records.length);
      // The fast field reader gives csv-parse's fields, blanks and line breaks.
      const split: { fields: string[]; blank: boolean; breaks: number; plainText: string | null }[] = [];
      const string = text.toString('utf8');
      splitRecords(string, { delimiter, lineEnd: dialect.lineEnd === 0 ? 1 : dialect.lineEnd }, (fields, blank, breaks, start, end) =>
        split.push({ fields, blank, breaks, plainText: start < 0 ? null : string.slice(start, end) }),
      );
      expect(split.map((r) => r.fields), context).toEqual(expected.records);
      // Read from the bytes, a record at a time: the same records, their own text at byte offsets.
      const fromBytes: typeof split = [];
      splitRecordBytes(text, 0, { delimiter, lineEnd: dialect.lineEnd === 0 ? 1 : dialect.lineEnd }, (fields, blank, breaks, start, end) =>
        fromBytes.push({ fields, blank, breaks, plainText: start < 0 ? null : text.toString('utf8', start, end) }),
      );
      expect(fromBytes, context).toEqual(split);
      // A record given with its own text is either split plainly (its fields joined by the
      // separator, no quote or line break), or text that CSV reads alone as the same fields, with
      // no empty quoted field (COPY reads "" as empty text, not as no value) and no backslash.
      for (const r of split) {
        if (r.plainText === null) continue;
        if (!/["\r\n]/.test(r.plainText)) expect(r.plainText, context).toBe(r.fields.join(delimiter));
        else {
          quotedGiven++;
          expect(strictCsv(r.plainText, delimiter, dialect.lineEnd === 0 ? 1 : dialect.lineEnd), context).toEqual([r.fields]);
        }
        expect(r.plainText, context).not.toContain('\\');
      }
      // And in a text without a quote or a stray line break character, every record is such a record.
      const strays = dialect.lineEnd === LINE_END_CR ? /[\n"]/ : dialect.lineEnd === LINE_END_CRLF ? /"|\r(?!\n)|(?<!\r)\n/ : /[\r"]/;
      if (!strays.test(string)) expect(split.filter((r) => r.plainText === null), context).toEqual([]);
      expect(split.map((r) => r.blank), context).toEqual(expected.records.map(isBlank));
      expect(split.map((r) => r.breaks), context).toEqual(expected.records.map(lineBreaksIn));
      found.forEach((record, i) => {
        const fields = expected.records[i]!;
        expect(record.fields, context).toBe(fields.length);
        expect(record.blank, context).toBe(isBlank(fields));
        expect(record.breaks, context).toBe(lineBreaksIn(fields));
        // The record's own bytes parse alone to the same fields (an empty line alone is no record).
        if (record.start === record.contentEnd) return expect(fields).toEqual(['']);
        const alone = parseRecords(text.subarray(record.start, record.contentEnd), { delimiter, lineEnd: dialect.lineEnd === 0 ? 1 : dialect.lineEnd });
        expect(alone, context).toEqual([fields]);
        wanted.forEach((index, k) => {
          const value = decodeWanted(text, record.wanted[k]!);
          if (index >= fields.length) expect(record.wanted[k]!.start, context).toBe(-1);
          else if (value !== null) expect(value, context).toBe(fields[index]);
        });
      });
      // Any run of whole records parses alone to the same records.
      if (found.length >= 2) {
        const from = Math.floor(rand() * found.length);
        const to = from + Math.floor(rand() * (found.length - from));
        const slice = text.subarray(found[from]!.start, found[to]!.contentEnd);
        const lineEnd = dialect.lineEnd === 0 ? 1 : dialect.lineEnd;
        const records = parseRecords(slice, { delimiter, lineEnd });
        const want = expected.records.slice(from, to + 1);
        // A run ending in a blank record loses it (nothing to emit at the end): runs end on any record here.
        if (isBlank(want[want.length - 1]!) && records.length === want.length - 1) expect(records, context).toEqual(want.slice(0, -1));
        else expect(records, context).toEqual(want);
      }
    }
    // Enough records went by the plain path, and enough quoted ones got their own text, to have compared them.
    expect(plainRecords).toBeGreaterThan(4_000);
    expect(quotedPlainRecords).toBeGreaterThan(150);
    expect(quotedGiven).toBeGreaterThan(100);
  });

  it('on records of cleanly quoted fields (commas, quotes and line breaks inside), LF and CRLF: scanPlainRecord finds what scanRecord finds', () => {
    quotedPlainRecords = 0;
    let seed = 777;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const values = ['', 'a', 'Zoë', '王伟', '😀', 'a,b', 'say "hi"', '""', 'two\nlines', 'cr\r\nlf', 'lone\rcr', ' ', '1.5', 'x;y'];
    for (let n = 0; n < 3_000; n++) {
      const delimiter = rand() < 0.8 ? ',' : ';';
      const lineEnd = rand() < 0.7 ? '\n' : '\r\n';
      let text = '';
      const records = 1 + Math.floor(rand() * 6);
      for (let r = 0; r < records; r++) {
        const width = 1 + Math.floor(rand() * 5);
        const fields: string[] = [];
        for (let f = 0; f < width; f++) {
          const value = values[Math.floor(rand() * values.length)]!;
          const quote = /[",;\r\n]/.test(value) || rand() < 0.3;
          // Now and then a record that is not clean: text after a closing quote, a quote inside a plain field.
          const broken = rand() < 0.03 ? (rand() < 0.5 ? 'x' : '"') : '';
          fields.push(quote ? `"${value.replaceAll('"', '""')}"${broken}` : `${value}${broken}`);
        }
        text += fields.join(delimiter) + (r < records - 1 || rand() < 0.9 ? lineEnd : '');
      }
      const bytes = Buffer.from(text);
      const cuts = rand() < 0.5 ? [] : [Math.floor(rand() * bytes.length)];
      const { error } = scan(bytes, delimiter, [0, 2], cuts);
      expect(error, JSON.stringify(text)).toBe(csvParse(bytes, delimiter).error === 'CSV_QUOTE_NOT_CLOSED' ? 'CSV_QUOTE_NOT_CLOSED' : null);
    }
    expect(quotedPlainRecords).toBeGreaterThan(3_000);
  });

  it('gives records with cleanly quoted fields their own text, for COPY to take as it is; not those with "" or a backslash', () => {
    const text = [
      '1,"García, María","said ""hi""\nthen left",12',
      '2,"",x,3',
      '3,"a\\.\n\\.\nb",x,4',
      '4,"ab"c,x,5',
      '5,plain,x,6',
    ].join('\n');
    const given: (string | null)[] = [];
    splitRecords(text, { delimiter: ',', lineEnd: 1 }, (_fields, _blank, _breaks, start, end) => given.push(start < 0 ? null : text.slice(start, end)));
    expect(given).toEqual(['1,"García, María","said ""hi""\nthen left",12', null, null, null, '5,plain,x,6']);
    // The same from the bytes, after a header line: offsets in bytes.
    const bytes = Buffer.from(`header\n${text}`);
    const fromBytes: (string | null)[] = [];
    splitRecordBytes(bytes, 7, { delimiter: ',', lineEnd: 1 }, (_fields, _blank, _breaks, start, end) => fromBytes.push(start < 0 ? null : bytes.toString('utf8', start, end)));
    expect(fromBytes).toEqual(given);
  });

  it('reports a record that runs past the data, and an unclosed quote at the end', () => {
    const dialect: ScanDialect = { delimiter: 44, lineEnd: LINE_END_UNKNOWN as LineEnd };
    const out = newScannedRecord(0);
    const none = new Int32Array(0);
    const text = Buffer.from('a,"b\nc');
    expect(scanRecord(text, 0, text.length, false, dialect, 100, none, out)).toBe(SCAN_MORE);
    expect(scanRecord(text, 0, text.length, true, dialect, 100, none, out)).toBe(SCAN_UNCLOSED_QUOTE);
    const cr = Buffer.from('a,b\r');
    expect(scanRecord(cr, 0, cr.length, false, dialect, 100, none, out)).toBe(SCAN_MORE); // CR or CRLF?
    expect(dialect.lineEnd).toBe(LINE_END_UNKNOWN);
  });
});
