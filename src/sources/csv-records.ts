import type { Readable } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
import { inputError } from '../errors.js';

export interface CsvRecord {
  readonly fields: string[];
  /** Line of the file on which the record starts. */
  readonly line: number;
}

export interface CsvReadOptions {
  /** Name of the file in messages. */
  readonly name: string;
  /** Largest record accepted, in characters: bounds memory on hostile files. */
  readonly maxRecordSize?: number;
}

export const DEFAULT_MAX_RECORD_SIZE = 16 * 1024 * 1024;

interface ParsedRecord {
  record: string[];
  info: { lines: number; empty_lines: number; bytes: number };
}

/**
 * Streams the records of a CSV file, header first. Quoted fields may hold delimiters and line
 * breaks; a UTF-8 byte order mark is dropped; blank lines are skipped; a stray quote inside an
 * unquoted field is kept as text. A record with the wrong number of fields is still returned
 * (it is that row's error, not the file's). Errors that leave the rest of the file unreadable
 * are thrown as input errors naming the file and the line.
 */
export async function* readCsvRecords(stream: Readable, options: CsvReadOptions): AsyncGenerator<CsvRecord> {
  const parser = stream.pipe(
    parse({
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE,
    }),
  );
  stream.on('error', (err) => parser.destroy(err));
  let endLine = 0;
  let emptyLines = 0;
  try {
    for await (const parsed of parser as AsyncIterable<ParsedRecord>) {
      const { lines, empty_lines: empty } = parsed.info;
      const line = endLine + 1 + (empty - emptyLines);
      endLine = lines;
      emptyLines = empty;
      yield { fields: parsed.record, line };
    }
  } catch (err) {
    throw describeCsvError(err, options.name, endLine + 1);
  } finally {
    if (!parser.destroyed) parser.destroy();
  }
}

function describeCsvError(err: unknown, name: string, nextLine: number): Error {
  if (err instanceof CsvError) {
    switch (err.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return inputError(`${name}: line ${nextLine}: a quoted field opened here is never closed; the rest of the file cannot be read`, err);
      case 'CSV_MAX_RECORD_SIZE':
        return inputError(`${name}: line ${nextLine}: a record is larger than the limit of ${err.message.match(/\d+/)?.[0] ?? 'the maximum'} characters`, err);
      default:
        return inputError(`${name}: line ${nextLine}: ${err.message}`, err);
    }
  }
  const e = err as NodeJS.ErrnoException;
  return inputError(`${name}: cannot be read: ${e?.message ?? String(err)}`, err);
}
