import type { S3Settings } from '../s3/s3-client.js';

/** How the file to import is read: its dialect, encoding, sheet and the limits against hostile files. */
export interface ReadOptions {
  /** Text encoding when the file has no byte order mark: `utf-8` (default), `utf-16le`, `windows-1252`, ... */
  readonly encoding?: string;
  /** Field separator; detected from the first lines (comma, semicolon, tab or pipe) when absent. */
  readonly delimiter?: string;
  /** Remove spaces around values (outside quotes). */
  readonly trim?: boolean;
  /** Sheet of an Excel workbook to read; default the first. */
  readonly sheet?: string;
  /** Largest record accepted, in bytes: bounds memory on hostile files. */
  readonly maxRecordSize?: number;
  /** Most fields a record may have. */
  readonly maxColumns?: number;
  /** Where S3 is, for a file given as `s3://bucket/key`. */
  readonly s3?: S3Settings;
}

/** One record of the file: its fields as text and the line (or sheet row) where it starts. */
export interface SourceRecord {
  readonly fields: string[];
  readonly line: number;
}

export const DEFAULT_MAX_RECORD_SIZE = 16 * 1024 * 1024;
/** Excel shows 16,384 columns; the report adds three (Row, Line, Problems) before the file's own. */
export const DEFAULT_MAX_COLUMNS = 10_000;
/** Records handed over at once: fewer awaits per row. */
export const BATCH_RECORDS = 1024;
