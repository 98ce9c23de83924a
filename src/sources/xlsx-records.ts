import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { ImporterError, errorMessage, inputError } from '../errors.js';
import { cellText, isDateNumberFormat } from './cell-text.js';
import { BATCH_RECORDS, DEFAULT_MAX_COLUMNS, DEFAULT_MAX_RECORD_SIZE, type SourceRecord } from './read-options.js';

export interface XlsxReadOptions {
  /** Name of the file in messages. */
  readonly name: string;
  /** Sheet to read; default the first of the workbook. */
  readonly sheet?: string;
  readonly trim?: boolean;
  readonly maxRecordSize?: number;
  readonly maxColumns?: number;
}

/** What the streaming reader exposes beyond its published types. */
interface SheetReader extends AsyncIterable<ExcelJS.Row> {
  readonly name?: string;
}
interface BookReader extends AsyncIterable<SheetReader> {
  readonly model?: { readonly sheets?: readonly { readonly name: string }[] };
}

/**
 * Streams the rows of one sheet of an Excel workbook (exceljs's streaming reader), header
 * first, in batches, as text: numbers and dates as values (see cellText), formulas as their
 * results. A record's line is its row number in the sheet. Empty rows are skipped; rows are
 * padded to the header's width, so only a value beyond the header makes a row ragged.
 */
export async function* readXlsxBatches(input: Readable, options: XlsxReadOptions): AsyncGenerator<SourceRecord[]> {
  const maxColumns = options.maxColumns ?? DEFAULT_MAX_COLUMNS;
  const maxRecordSize = options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache', // dates are numbers with a date format: the styles tell them apart
    hyperlinks: 'ignore',
    entries: 'ignore',
  }) as unknown as BookReader;
  let found = false;
  try {
    let position = 0;
    for await (const sheet of workbook) {
      position++;
      if (!isWanted(sheet, workbook, options.sheet, position)) {
        // Read through, not skipped: exceljs may have put the sheet in a temporary file, which it
        // deletes as soon as we move on; a sheet left unread was still being opened then, and its
        // stream failed with ENOENT and no listener, ending the process (seen in the test suite).
        for await (const row of sheet) void row;
        continue;
      }
      found = true;
      let width = 0; // the header's, once read
      let batch: SourceRecord[] = [];
      for await (const row of sheet) {
        const fields = rowFields(row, width, options, maxColumns, maxRecordSize);
        if (!fields) continue;
        if (width === 0) width = fields.length;
        batch.push({ fields, line: row.number });
        if (batch.length >= BATCH_RECORDS) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
      break;
    }
  } catch (err) {
    if (err instanceof ImporterError) throw err;
    throw inputError(`${options.name}: cannot be read as an Excel workbook: ${describeZipError(errorMessage(err))}`, err);
  } finally {
    input.destroy();
  }
  if (!found) {
    const names = (workbook.model?.sheets ?? []).map((s) => `"${s.name}"`);
    throw inputError(
      options.sheet === undefined
        ? `${options.name}: the workbook has no sheet`
        : `${options.name}: no sheet named "${options.sheet}"; the workbook has ${names.length > 0 ? names.join(', ') : 'no sheets'}`,
    );
  }
}

/** The named sheet, or the first in the workbook's order (the first met when the order is unknown). */
function isWanted(sheet: SheetReader, workbook: BookReader, wanted: string | undefined, position: number): boolean {
  if (wanted !== undefined) return sheet.name === wanted;
  const first = workbook.model?.sheets?.[0]?.name;
  return first === undefined || sheet.name === undefined ? position === 1 : sheet.name === first;
}

/** The row's cells as text, padded to the header's width; null for a row with nothing in it. */
function rowFields(row: ExcelJS.Row, width: number, options: XlsxReadOptions, maxColumns: number, maxRecordSize: number): string[] | null {
  const values = row.values as unknown[]; // 1-based, sparse
  if (values.length - 1 > maxColumns) {
    throw inputError(`${options.name}: row ${row.number}: more than ${maxColumns} columns, the limit (raise it with --max-columns)`);
  }
  const fields: string[] = [];
  let last = 0;
  let size = 0;
  for (let col = 1; col < values.length; col++) {
    let text = cellText(values[col], () => isDateNumberFormat(row.getCell(col).numFmt));
    if (options.trim) text = text.trim();
    fields.push(text);
    size += text.length;
    if (text !== '') last = col;
  }
  if (size > maxRecordSize) {
    throw inputError(`${options.name}: row ${row.number}: larger than the limit of ${maxRecordSize} bytes (raise it with --max-record-size)`);
  }
  if (last === 0) return null;
  fields.length = Math.max(last, width);
  for (let i = 0; i < fields.length; i++) fields[i] ??= '';
  return fields;
}

/** unzipper's words for a damaged archive, in a person's. */
function describeZipError(message: string): string {
  if (message === 'FILE_ENDED') return 'the file ends before the workbook does (is it complete?)';
  if (message.startsWith('invalid signature')) return `it is not a valid .xlsx (ZIP) file (${message})`;
  return message;
}
