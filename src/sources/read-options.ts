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

export const DEFAULT_WORKBOOK_LIMITS: WorkbookLimits = {
  // Sheet XML of real workbooks deflates 5 to 30 times; a ZIP bomb 1000 times.
  maxInflateRatio: 100,
  maxInflatedBytes: 4 * 1024 ** 3,
  // The table is held in memory while the sheet is read: 64 MB of short strings stays within the
  // workbook reader's memory bound (docs/reading-files.md), twice that does not.
  maxSharedStringsBytes: 64 * 1024 ** 2,
  // Real workbooks produce about as much text as they weigh, ten times with a long text repeated
  // down a column; one string referenced by every cell, thousands of times.
  maxTextRatio: 50,
  minTextBytes: 32 * 1024 ** 2,
};

/** One record of the file: its fields as text and the line (or sheet row) where it starts. */
export interface SourceRecord {
  readonly fields: string[];
  readonly line: number;
  /** Why the row cannot be imported as read (a workbook's formula without a saved value): it fails with these. */
  readonly problems?: readonly string[];
}

export const DEFAULT_MAX_RECORD_SIZE = 16 * 1024 * 1024;
/** Excel shows 16,384 columns; the report adds three (Row, Line, Problems) before the file's own. */
export const DEFAULT_MAX_COLUMNS = 10_000;
/** Records handed over at once: fewer awaits per row. */
export const BATCH_RECORDS = 1024;
