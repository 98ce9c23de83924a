import { DEFAULT_MAX_COLUMNS, DEFAULT_MAX_RECORD_SIZE } from '../defaults.js';
import { CsvError } from 'csv-parse';
import { ImporterError, inputError, optionError } from '../errors.js';
import { createCsvParseCore } from './csv-parse-api.js';
import { isBlank, lineBreaksIn } from './csv-fields.js';
import { BATCH_RECORDS, type SourceRecord } from './read-options.js';

/** @deprecated the name before Excel input: a record of any source. */
export type CsvRecord = SourceRecord;

export interface CsvReadOptions {
  /** Name of the file in messages. */
  readonly name: string;
  readonly delimiter: string;
  /** Remove whitespace around fields (outside quotes). */
  readonly trim?: boolean;
  /** Largest record accepted, in bytes. */
  readonly maxRecordSize?: number;
  /** Most fields a record may have. */
  readonly maxColumns?: number;
}

/** Bytes parsed at once: the record in progress is checked against the column limit between slices. */
const SLICE_BYTES = 256 * 1024;
const noop = (): void => {};

/**
 * Streams the records of CSV text (UTF-8 chunks), header first, in batches. Quoted fields may
 * hold delimiters and line breaks; LF, CRLF and CR line ends are recognised; blank lines (and
 * lines of nothing but separators) are skipped; a stray quote inside an unquoted field is kept
 * as text. A record with the wrong number of fields is still returned (it is that row's error,
 * not the file's). Errors that leave the rest unreadable (an unclosed quote, a record over the
 * limits, or an error of the input, such as invalid encoding) are thrown as input errors naming
 * the file and the line, after every complete record before them has been returned.
 */
export async function* readCsvBatches(input: AsyncIterable<Buffer>, options: CsvReadOptions): AsyncGenerator<SourceRecord[]> {
  const maxRecordSize = options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
  const maxColumns = options.maxColumns ?? DEFAULT_MAX_COLUMNS;
  const core = createCsvParseCore({
    bom: false, // the decoder has dropped it
    delimiter: options.delimiter,
    relax_column_count: true,
    relax_quotes: true,
    trim: options.trim === true,
    max_record_size: maxRecordSize,
  });
  let parsed: string[][] = [];
  const push = (fields: string[]): void => {
    parsed.push(fields);
  };
  // Lines are counted here: csv-parse counts a CRLF inside a quoted field twice.
  let nextLine = 1;
  let failure: unknown = null;

  /** Turns the parsed records into numbered ones; a record over the column limit is a failure. */
  const take = (): SourceRecord[] => {
    const batch: SourceRecord[] = [];
    for (const fields of parsed) {
      const line = nextLine;
      if (fields.length > maxColumns) {
        failure = tooManyColumns(options.name, line, maxColumns);
        break;
      }
      nextLine = line + 1 + lineBreaksIn(fields);
      if (isBlank(fields)) continue;
      batch.push({ fields, line });
    }
    parsed = [];
    return batch;
  };

  try {
    reading: for await (const chunk of input) {
      for (let start = 0; start < chunk.length; start += SLICE_BYTES) {
        const slice = chunk.length <= SLICE_BYTES ? chunk : chunk.subarray(start, start + SLICE_BYTES);
        const err = core.parse(slice, false, push, noop);
        if (err) {
          failure = err;
          break reading;
        }
        if (core.state.record.length > maxColumns) {
          failure = 'columns';
          break reading;
        }
      }
      if (parsed.length >= BATCH_RECORDS) {
        const batch = take();
        if (batch.length > 0) yield batch;
        if (failure) break;
      }
    }
    if (!failure) {
      const err = core.parse(undefined, true, push, noop);
      if (err) failure = err;
    }
  } catch (err) {
    failure = err; // the input failed: bytes not valid in their encoding, or a read error
  }
  const batch = take();
  if (batch.length > 0) yield batch;
  if (failure === 'columns') throw tooManyColumns(options.name, nextLine, maxColumns);
  if (failure) throw describeCsvError(failure, options.name, nextLine, maxRecordSize);
}

export function tooManyColumns(name: string, line: number, max: number): ImporterError {
  return optionError((o) => `${name}: line ${line}: a record has more than ${max} fields, the limit (raise it with ${o('maxColumns')})`, 'input');
}

export function quoteNeverClosed(name: string, line: number, cause?: unknown): ImporterError {
  return inputError(`${name}: line ${line}: a quoted field opened here is never closed; the rest of the file cannot be read`, cause);
}

export function recordTooLarge(name: string, line: number, max: number, cause?: unknown): ImporterError {
  return optionError((o) => `${name}: line ${line}: a record is larger than the limit of ${max} bytes (raise it with ${o('maxRecordSize')})`, 'input', cause);
}

export function describeCsvError(err: unknown, name: string, nextLine: number, maxRecordSize: number): Error {
  if (err instanceof ImporterError) return err;
  if (err instanceof CsvError) {
    switch (err.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return quoteNeverClosed(name, nextLine, err);
      case 'CSV_MAX_RECORD_SIZE':
        return recordTooLarge(name, nextLine, maxRecordSize, err);
      case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
        return optionError((o) => `${name}: line ${nextLine}: text follows the closing quote of a field; with ${o('trim')} only spaces may`, 'input', err);
      default:
        return inputError(`${name}: line ${nextLine}: ${err.message}`, err);
    }
  }
  const e = err as NodeJS.ErrnoException;
  return inputError(`${name}: cannot be read: ${e?.message ?? String(err)}`, err);
}
