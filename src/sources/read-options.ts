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
  /** Limits on what an Excel workbook may inflate to and produce; each unset one takes its default. */
  readonly workbookLimits?: Partial<WorkbookLimits>;
  /** Where S3 is, for a file given as `s3://bucket/key`. */
  readonly s3?: S3Settings;
}

/**
 * What an Excel workbook may cost: a few MB of ZIP can inflate to gigabytes of XML, and one
 * shared string can be referenced by millions of cells. Each is checked before the bytes or
 * the text concerned are held, so a hostile workbook is refused in seconds and bounded memory.
 */
export interface WorkbookLimits {
  /** Most a part of the archive (over 1 MB inflated) may inflate per byte stored. */
  readonly maxInflateRatio: number;
  /** Most the parts read (workbook, styles, shared strings, the sheet) may inflate to together. */
  readonly maxInflatedBytes: number;
  /** Largest shared-string table (its XML), held in memory while the sheet is read. */
  readonly maxSharedStringsBytes: number;
  /** Most cell text the sheet may produce per byte of the file (beyond `minTextBytes`). */
  readonly maxTextRatio: number;
  /** Cell text any workbook may produce, however small the file. */
  readonly minTextBytes: number;
}

/** One record of the file: its fields as text and the line (or sheet row) where it starts. */
export interface SourceRecord {
  readonly fields: string[];
  readonly line: number;
  /** Why the row cannot be imported as read (a workbook's formula without a saved value): it fails with these. */
  readonly problems?: readonly string[];
}

/** Records handed over at once: fewer awaits per row. */
export const BATCH_RECORDS = 1024;
