import { Parser, type Options } from 'csv-parse';

/** The synchronous core of a csv-parse parser. */
export interface CsvParseCore {
  /** Parses more bytes (`undefined` with `end` at the end); records go to `push`; returns the error that stops it. */
  parse(buf: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
  /** Fields of the record being read (not yet complete). */
  readonly state: { readonly record: readonly unknown[] };
}

/**
 * csv-parse's Transform stream wraps a synchronous core (`parser.api`, the same one its `sync`
 * entry point drives). Driving the core directly keeps records and errors in file order, avoids
 * a stream hop per chunk, and lets the reader watch the record in progress, which the stream
 * hides: csv-parse bounds a record's characters but not its count of empty fields.
 */
export function createCsvParseCore(options: Options): CsvParseCore {
  const core = (new Parser(options) as unknown as { api?: CsvParseCore }).api;
  if (!core || typeof core.parse !== 'function' || !core.state) {
    throw new Error('this version of csv-parse has no synchronous core (parser.api); pin csv-parse 5 to 7');
  }
  return core;
}
