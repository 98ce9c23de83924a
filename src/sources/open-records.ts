import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { errorMessage, ImporterError, inputError, optionError } from '../errors.js';
import { checkUtf8 } from './check-utf8.js';
import { detectDelimiter, parseDelimiter } from './csv-dialect.js';
import { readCsvBatches } from './csv-records.js';
import { rawDelimiterSupported, RawCsvReader } from './raw-csv-batches.js';
import { openSource, STDIN } from './open-source.js';
import { peekStream } from './peek-stream.js';
import type { ReadOptions, SourceRecord } from './read-options.js';
import { openWorkbook } from './open-workbook.js';
import { sniffBytes } from './sniff-bytes.js';
import { decodeSample, encodingName, parseEncoding, UTF8, type TextEncoding } from './text-encoding.js';
import { transcodeToUtf8 } from './transcode.js';

/** Bytes looked at before reading: format, byte order mark, binary signatures, and the dialect's sample. */
const SNIFF_BYTES = 64 * 1024;
const XLSX_EXTENSIONS = new Set(['.xlsx', '.xlsm']);

/** The records of the file to import, whatever its format, and how it was read. */
export interface RecordSource {
  /** How the file is named in messages: the path as given, or "stdin". */
  readonly name: string;
  /** Size in bytes when known (for progress). */
  readonly size: number | null;
  readonly format: 'csv' | 'xlsx';
  /** For CSV: the separator and encoding used, given or detected. */
  readonly delimiter: string | null;
  readonly encoding: string | null;
  /** Header first; each batch non-empty. Errors that stop the file are thrown after the records before them. */
  readonly batches: AsyncGenerator<SourceRecord[]>;
  /**
   * For CSV text when `fast` was asked and the dialect allows it: the records as text, found
   * without parsing their fields (raw-csv-batches.ts); `batches` is then empty.
   */
  readonly raw: RawCsvReader | null;
  /** Bytes of the file read so far. */
  bytesRead(): number;
  /** Stops reading (when the records are not all wanted). */
  close(): Promise<void>;
}

async function* nothing(): AsyncGenerator<SourceRecord[]> {}

/**
 * Opens the file to import and reads it as records: an Excel workbook (by its contents: a CSV
 * named .xlsx is still read as CSV) from its ZIP directory (see openWorkbook); anything else as CSV text, its encoding taken
 * from a byte order mark, else `encoding` (UTF-8 by default), its separator from `delimiter` or
 * guessed from the first lines. Binary files are refused here, with what they seem to be.
 */
export async function openRecords(source: string, options: ReadOptions = {}, stdin?: Readable, fast = false): Promise<RecordSource> {
  const declared = options.encoding === undefined ? null : parseEncoding(options.encoding);
  const delimiter = options.delimiter === undefined ? null : parseDelimiter(options.delimiter);
  const opened = await openSource(source, stdin, options.s3);
  const stream = opened.stream;
  const fail = (err: ImporterError): never => {
    stream.destroy();
    throw err;
  };
  let peeked;
  try {
    peeked = await peekStream(stream, SNIFF_BYTES);
  } catch (err) {
    return fail(inputError(`cannot read ${opened.name}: ${errorMessage(err)}`, err));
  }
  const base = { name: opened.name, size: opened.size, bytesRead: peeked.bytesRead, raw: null };
  const close = async (): Promise<void> => {
    stream.destroy();
  };
  const utf16 = declared?.kind === 'utf-16le' || declared?.kind === 'utf-16be';
  const sniff = sniffBytes(peeked.head, utf16);
  const extension = source === STDIN ? '' : extname(source).toLowerCase();
  // The contents decide; the name only when the contents could be a workbook (a ZIP archive).
  const zipNamedXlsx = sniff.kind === 'binary' && sniff.description === 'a ZIP archive' && XLSX_EXTENSIONS.has(extension);
  if (sniff.kind === 'xlsx' || zipNamedXlsx) return openWorkbook(source, opened.name, opened.size, stream, peeked.chunks, options);
  if (sniff.kind === 'binary') {
    const { description, readAs } = sniff;
    return fail(
      readAs
        ? optionError((o) => `${opened.name} is not a CSV text file: it looks like ${description}; read it with ${o('encoding')} ${readAs}`, 'input')
        : inputError(`${opened.name} is not a CSV text file: it looks like ${description}`),
    );
  }
  if (sniff.kind === 'empty') {
    stream.destroy();
    return { ...base, format: 'csv', delimiter: delimiter ?? ',', encoding: null, batches: nothing(), close };
  }
  // A byte order mark says more than a flag: Excel's "Unicode text" and "CSV UTF-8" carry one.
  const encoding: TextEncoding = sniff.bom ? parseEncoding(sniff.bom) : (declared ?? UTF8);
  const sample = decodeSample(peeked.head.subarray(sniff.bomLength), encoding);
  const separator = delimiter ?? detectDelimiter(sample, peeked.complete);
  const text =
    encoding.kind === 'utf-8'
      ? checkUtf8(peeked.chunks, opened.name, sniff.bomLength)
      : transcodeToUtf8(peeked.chunks, encoding, opened.name, sniff.bomLength);
  // --trim and separators longer than a byte take csv-parse all the way.
  if (fast && options.trim !== true && rawDelimiterSupported(separator)) {
    const raw = new RawCsvReader(text, { name: opened.name, delimiter: separator, maxRecordSize: options.maxRecordSize, maxColumns: options.maxColumns });
    return { ...base, format: 'csv', delimiter: separator, encoding: encodingName(encoding), batches: nothing(), raw, close };
  }
  const batches = readCsvBatches(text, {
    name: opened.name,
    delimiter: separator,
    trim: options.trim,
    maxRecordSize: options.maxRecordSize,
    maxColumns: options.maxColumns,
  });
  return { ...base, format: 'csv', delimiter: separator, encoding: encodingName(encoding), batches, close };
}
