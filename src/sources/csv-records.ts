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

/**
 * Streams the records of a CSV file, header first. Quoted fields may hold delimiters and line
 * breaks; a UTF-8 byte order mark is dropped; blank lines are skipped; a stray quote inside an
 * unquoted field is kept as text. A record with the wrong number of fields is still returned
 * (it is that row's error, not the file's). Errors that leave the rest of the file unreadable
 * are thrown as input errors naming the file and the line.
 */
export async function* readCsvRecords(stream: Readable, options: CsvReadOptions): AsyncGenerator<CsvRecord> {
  // Lines are counted here rather than taken from the parser, which counts a CRLF inside a
  // quoted field twice. The parser runs ahead of the consumer, so errors are located from
  // where it got to.
  let nextLine = 1;
  let emptyLines = 0;
  const parser = stream.pipe(
    parse({
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE,
      // Typed as returning records, but any value may be returned: we return CsvRecord.
      on_record: ((fields: string[], context: { empty_lines: number }): CsvRecord => {
        const line = nextLine + (context.empty_lines - emptyLines);
        emptyLines = context.empty_lines;
        nextLine = line + 1 + lineBreaksIn(fields);
        return { fields, line };
      }) as unknown as (record: string[]) => string[],
    }),
  );
  stream.on('error', (err) => parser.destroy(err));
  try {
    for await (const record of parser as AsyncIterable<CsvRecord>) yield record;
  } catch (err) {
    throw describeCsvError(err, options.name, nextLine);
  } finally {
    if (!parser.destroyed) parser.destroy();
  }
}

function lineBreaksIn(fields: readonly string[]): number {
  let breaks = 0;
  for (const field of fields) {
    if (field.indexOf('\n') === -1 && field.indexOf('\r') === -1) continue;
    breaks += field.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return breaks;
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
