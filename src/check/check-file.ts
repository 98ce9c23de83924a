import type { Readable } from 'node:stream';
import { errorMessage, inputError, optionError } from '../errors.js';
import { isS3Url } from '../s3/s3-url.js';
import { planHeader, REPORT_COLUMN, uniqueColumnIndexes } from '../enqueue/check-header.js';
import type { KeepColumns } from '../import-record.js';
import { ErrorGroupCounter, type ErrorGroup } from '../report/error-groups.js';
import { MAX_DATA_ROWS_PER_SHEET } from '../report/paged-sheet.js';
import type { ImportSchema } from '../schema/compile-schema.js';
import { duplicateMessage } from '../schema/duplicate-message.js';
import { loadSchemaFile } from '../schema/load-schema.js';
import { createRowValidator } from '../schema/row-validator.js';
import { openRecords } from '../sources/open-records.js';
import type { ReadOptions, SourceRecord } from '../sources/read-options.js';
import { ErrorsWorkbook } from './errors-workbook.js';
import { fileRows } from './file-rows.js';
import { SeenValues } from './seen-values.js';

/** A row the check found invalid: as the report's Errors sheet and `failedRows()` give it. */
export interface InvalidRow {
  /** 1 is the first data row after the header. */
  readonly row: number;
  /** Line of the file (or row of the sheet) where the row starts. */
  readonly line: number;
  /** Every problem of the row, each naming its column. */
  readonly messages: readonly string[];
  /** The row's values as read, in the import's columns (the file's own order, ignored columns left out). */
  readonly values: readonly string[];
}

export interface CheckOptions extends ReadOptions {
  /** Path of the CSV or Excel file, `s3://bucket/key`, or `-` for stdin. */
  readonly source: string;
  /** Stream read when `source` is `-` (defaults to process.stdin). */
  readonly stdin?: Readable;
  /** JSON Schema file every row is checked against; without it only the rows' widths are. */
  readonly schemaPath?: string;
  /** Header -> column, as `enqueue --map`. */
  readonly map?: Readonly<Record<string, string>>;
  /** Write the Errors sheet (and a Summary sheet) to this .xlsx file. */
  readonly out?: string;
  /** Invalid rows kept in the result's `firstErrors` (default 10). */
  readonly firstErrors?: number;
  /** Problem groups kept in the result (default 20, most frequent first). */
  readonly groups?: number;
  /** Hears every invalid row, in file order. */
  readonly onInvalidRow?: (row: InvalidRow) => void;
  /** Called after each batch of rows: bytes of the file read, its size when known, rows checked. */
  readonly onProgress?: (progress: { readonly bytesRead: number; readonly totalBytes: number | null; readonly rows: number }) => void;
  /** Data rows per sheet of `out` (Excel's limit unless a test says less). */
  readonly rowsPerSheet?: number;
}

export interface CheckResult {
  /** The file as named in messages: the path as given, or "stdin". */
  readonly file: string;
  readonly format: 'csv' | 'xlsx';
  /** CSV only: the separator and encoding, given or detected. */
  readonly delimiter: string | null;
  readonly encoding: string | null;
  /** The columns rows are checked (and would be written) under. */
  readonly columns: readonly string[];
  /** The file's headers that name no schema property: an import would not write them. */
  readonly ignoredColumns: readonly string[];
  readonly total: number;
  readonly valid: number;
  readonly invalid: number;
  /** The problems by column and message, most frequent first. */
  readonly errorGroups: readonly ErrorGroup[];
  /** The first invalid rows, in file order. */
  readonly firstErrors: readonly InvalidRow[];
  /** Where the errors workbook was written, or null. */
  readonly out: string | null;
}

/**
 * Checks a file as an import of it would, without Redis or a target: the same reading (formats,
 * encodings, dialects, limits), the same header checks (a refused header throws as `enqueue`
 * does), the same validation and messages as the workers', and the `unique` columns (a repeated
 * value fails naming the row of its first occurrence, held in memory compactly: SeenValues).
 * What only the target can refuse (its own constraints) or a handler's validate() is not
 * checked. A file that cannot be read to its end throws, naming the line, and writes no `out`.
 */
export async function checkFile(options: CheckOptions): Promise<CheckResult> {
  if (options.out && isS3Url(options.out)) throw optionError((o) => `${o('out')}: check writes its workbook to a local file, not to S3`);
  const loaded = options.schemaPath ? await loadSchemaFile(options.schemaPath) : null;
  const schema = loaded?.schema ?? null;
  const opened = await openRecords(options.source, options, options.stdin, true);
  let workbook: ErrorsWorkbook | null = null;
  try {
    let header: SourceRecord | null = null;
    let firstRows: SourceRecord[] = [];
    if (opened.raw) header = await opened.raw.header();
    else {
      const first = await opened.batches.next();
      if (!first.done) [header = null, ...firstRows] = first.value;
    }
    if (!header) throw inputError(`${opened.name} is empty: there is no header row`);
    const plan = planHeader(header.fields, {
      schema,
      fileName: opened.name,
      line: header.line,
      map: options.map,
      ignore: opened.format === 'xlsx' ? REPORT_COLUMN : undefined,
    });
    const keep: KeepColumns | null = plan.keep === null ? null : { keep: plan.keep, width: header.fields.length };
    if (options.out) workbook = new ErrorsWorkbook(options.out, options.source, plan.headers, options.rowsPerSheet ?? MAX_DATA_ROWS_PER_SHEET);
    const checker = new RowChecker(plan.columns, schema, keep, options.firstErrors ?? 10, workbook, options.onInvalidRow);
    let reserved = false;
    for await (const batch of fileRows(opened, firstRows, keep)) {
      await checker.check(batch);
      // Once a few MB are read, the rows to come are estimated from the file's size, and the
      // unique values' tables sized for them at once (SeenValues.reserve).
      if (!reserved && opened.size !== null && opened.bytesRead() >= RESERVE_AFTER_BYTES) {
        reserved = true;
        checker.reserve(Math.ceil((opened.size / opened.bytesRead()) * checker.total * 1.1));
      }
      options.onProgress?.({ bytesRead: opened.bytesRead(), totalBytes: opened.size, rows: checker.total });
    }
    const errorGroups = checker.groups.groups(plan.columns, options.groups ?? 20);
    const counts = { total: checker.total, valid: checker.total - checker.invalid, invalid: checker.invalid, ignoredColumns: plan.ignored };
    if (workbook) await workbook.finish({ ...counts, groups: errorGroups });
    return {
      file: opened.name,
      format: opened.format,
      delimiter: opened.delimiter,
      encoding: opened.encoding,
      columns: plan.columns,
      ...counts,
      errorGroups,
      firstErrors: checker.firstErrors,
      out: options.out ?? null,
    };
  } catch (err) {
    await workbook?.discard();
    throw err;
  } finally {
    await opened.close();
  }
}

const RESERVE_AFTER_BYTES = 4 * 1024 * 1024;

/** The worker's checks of a row (process-chunks.ts), in file order, with uniqueness on top. */
class RowChecker {
  total = 0;
  invalid = 0;
  readonly groups = new ErrorGroupCounter();
  readonly firstErrors: InvalidRow[] = [];
  private readonly validate;
  private readonly width: number;
  /** Per unique column: its index among the columns, its name and the values seen. */
  private readonly unique: { column: number; name: string; seen: SeenValues }[];

  constructor(
    columns: readonly string[],
    schema: ImportSchema | null,
    keep: KeepColumns | null,
    private readonly keepFirst: number,
    private readonly workbook: ErrorsWorkbook | null,
    private readonly onInvalidRow: ((row: InvalidRow) => void) | undefined,
  ) {
    this.validate = createRowValidator(columns, schema, { headerWidth: keep?.width });
    this.width = columns.length;
    this.unique = uniqueColumnIndexes(columns, schema).map((column) => ({ column, name: columns[column]!, seen: new SeenValues() }));
  }

  /** Room for about `rows` more rows' unique values. */
  reserve(rows: number): void {
    for (const unique of this.unique) unique.seen.reserve(rows);
  }

  async check(batch: readonly SourceRecord[]): Promise<void> {
    for (const record of batch) {
      const row = ++this.total;
      let messages: string[] | null = null;
      if (record.problems && record.problems.length > 0) messages = [...record.problems];
      else {
        try {
          const checked = this.validate(record.fields);
          if (!checked.ok) messages = checked.messages;
        } catch (err) {
          messages = [`row could not be checked: ${errorMessage(err)}`];
        }
      }
      // As the enqueue claims values: in file order, whatever the row's other problems; a ragged
      // row claims nothing; an empty value is absent, never a repeat.
      if (this.unique.length > 0 && record.fields.length === this.width) {
        for (const unique of this.unique) {
          const value = record.fields[unique.column]!;
          if (value === '') continue;
          const first = unique.seen.claim(value, row);
          if (first !== 0) (messages ??= []).push(duplicateMessage(unique.name, first));
        }
      }
      if (messages === null) continue;
      this.invalid++;
      this.groups.add(messages);
      const invalid: InvalidRow = { row, line: record.line, messages, values: record.fields };
      if (this.firstErrors.length < this.keepFirst) this.firstErrors.push(invalid);
      this.onInvalidRow?.(invalid);
      const busy = this.workbook?.add(row, record.line, messages, record.fields);
      if (busy) await busy;
    }
  }
}
