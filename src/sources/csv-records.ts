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

const BATCH_RECORDS = 1024;

/**
 * Streams the records of a CSV file, header first, in batches (fewer awaits per row). Quoted
 * fields may hold delimiters and line breaks; a UTF-8 byte order mark is dropped; blank lines
 * are skipped; a stray quote inside an unquoted field is kept as text. A record with the wrong
 * number of fields is still returned (it is that row's error, not the file's). Errors that leave
 * the rest of the file unreadable are thrown as input errors naming the file and the line, after
 * every record before them has been returned.
 */
export async function* readCsvBatches(stream: Readable, options: CsvReadOptions): AsyncGenerator<CsvRecord[]> {
  const parser = stream.pipe(
    parse({
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      max_record_size: options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE,
    }),
  );
  stream.on('error', (err) => parser.destroy(err));
  // Records are collected here rather than read through the parser's async iterator: that one
  // drops what it buffered when the parser fails, and the error must come after those records.
  let pending: string[][] = [];
  let failure: unknown = null;
  let ended = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  parser.on('data', (fields: string[]) => {
    pending.push(fields);
    if (pending.length >= BATCH_RECORDS * 4) parser.pause();
    if (pending.length >= BATCH_RECORDS) notify();
  });
  parser.on('error', (err) => {
    failure = err;
    notify();
  });
  parser.on('end', () => {
    ended = true;
    notify();
  });
  // Lines are counted here: the parser counts a CRLF inside a quoted field twice.
  let nextLine = 1;
  try {
    for (;;) {
      if (pending.length === 0) {
        if (failure) throw describeCsvError(failure, options.name, nextLine);
        if (ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (pending.length > 0 || failure || ended) notify();
        });
        continue;
      }
      const taken = pending;
      pending = [];
      if (parser.isPaused()) parser.resume();
      const batch: CsvRecord[] = [];
      for (const fields of taken) {
        const line = nextLine;
        if (fields.length === 1 && fields[0] === '') {
          nextLine++; // a blank line
          continue;
        }
        nextLine = line + 1 + lineBreaksIn(fields);
        batch.push({ fields, line });
      }
      if (batch.length > 0) yield batch;
    }
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
