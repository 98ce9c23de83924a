import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Redis } from 'ioredis';
import { errorMessage, ImporterError } from '../errors.js';
import type { ImportRecord } from '../import-record.js';
import { importKeys } from '../redis/keys.js';
import { cell } from './cells.js';
import { groupErrors } from './error-groups.js';
import { parseFailedRow, readImportedRows, readList } from './list-reader.js';
import { MAX_DATA_ROWS_PER_SHEET, PagedSheet } from './paged-sheet.js';
import { forUploader } from './uploader-text.js';
import { writeSummary } from './summary-sheet.js';

export { MAX_DATA_ROWS_PER_SHEET } from './paged-sheet.js';

/** The Errors sheet's own columns, before the file's: named so a re-import can ignore them. */
export interface ErrorsSheetExtras {
  readonly rowColumn: string;
  readonly lineColumn: string;
  readonly problemsColumn: string;
}

/**
 * "Row", "Line", "Problems"; a file with a column of the same name keeps it, and the report's
 * column becomes "Row (report)" (the sheet must never hold two columns of one name).
 */
export function errorsSheetExtras(columns: readonly string[]): ErrorsSheetExtras {
  const taken = new Set(columns);
  const name = (base: string): string => {
    let candidate = base;
    for (let n = 1; taken.has(candidate); n++) candidate = n === 1 ? `${base} (report)` : `${base} (report ${n})`;
    taken.add(candidate);
    return candidate;
  };
  return { rowColumn: name('Row'), lineColumn: name('Line'), problemsColumn: name('Problems') };
}

/**
 * Writes the report of an import as XLSX into `stream` with exceljs's streaming writer, reading
 * the outcome lists from Redis in batches: memory stays flat however many rows there are.
 * Resolves once the whole workbook has been written to the stream.
 */
export async function writeWorkbook(redis: Redis, prefix: string, record: ImportRecord, stream: Writable, rowsPerSheet = MAX_DATA_ROWS_PER_SHEET): Promise<void> {
  const keys = importKeys(prefix, record.id);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true, useSharedStrings: false });
  workbook.creator = 'importer';
  // The Errors sheet shows the original values under the file's own headers, so it can be re-imported.
  const extras = errorsSheetExtras(record.headers);
  writeSummary(workbook, record, await groupErrors(redis, keys.failed, record.columns), extras);

  const errors = new PagedSheet(workbook, {
    name: 'Errors',
    header: [extras.rowColumn, extras.lineColumn, extras.problemsColumn, ...record.headers],
    widths: [8, 8, 60, ...record.headers.map(() => 18)],
    rowsPerSheet,
    textFrom: 3,
  });
  for await (const entry of readList(redis, keys.failed)) {
    const failed = parseFailedRow(entry);
    errors.add([failed.row, failed.line, cell(forUploader(record, failed.messages.join('; '))), ...failed.values.map(cell)]);
  }
  errors.finish();

  const imported = new PagedSheet(workbook, { name: 'Imported', header: ['Row', ...record.columns], widths: [8, ...record.columns.map(() => 18)], rowsPerSheet });
  for await (const row of readImportedRows(redis, record, keys.succeeded)) {
    imported.add([row.row, ...row.values.map(cell)]);
  }
  imported.finish();
  await workbook.commit();
}

/**
 * Writes the report to a local file: to a temporary name beside it first, renamed once
 * complete, so the file never exists half-written.
 */
export async function writeXlsxReport(redis: Redis, prefix: string, record: ImportRecord, out: string, rowsPerSheet = MAX_DATA_ROWS_PER_SHEET): Promise<void> {
  const partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
  try {
    const stream = createWriteStream(partial);
    const failed = new Promise<never>((_, reject) => stream.once('error', reject));
    failed.catch(() => {});
    await Promise.race([writeWorkbook(redis, prefix, record, stream, rowsPerSheet), failed]);
    await rename(partial, out);
  } catch (err) {
    await rm(partial, { force: true });
    if (err instanceof ImporterError) throw err;
    throw new ImporterError('input', `cannot write report ${out}: ${errorMessage(err)}`, { cause: err });
  }
}
