import { DEFAULT_MAX_COLUMNS, DEFAULT_MAX_RECORD_SIZE } from '../defaults.js';
import type { Readable } from 'node:stream';
import { ImporterError, inputError, optionError } from '../errors.js';
import { bytes, type XlsxArchive } from './xlsx-archive.js';
import { openWorkbookSheet } from './xlsx-book.js';
import { cellReading, type CellContext } from './cell-text.js';
import { columnLetters, readSheetRows, type SheetRow } from './xlsx-sheet-rows.js';
import { BATCH_RECORDS, type SourceRecord, type WorkbookLimits } from './read-options.js';

/** Rows of an Excel sheet: a sheet claiming more was not written for Excel. */
const EXCEL_ROWS = 1_048_576;

export interface XlsxReadOptions {
  /** Name of the file in messages. */
  readonly name: string;
  /** Sheet to read; default the first of the workbook. */
  readonly sheet?: string;
  readonly trim?: boolean;
  readonly maxRecordSize?: number;
  readonly maxColumns?: number;
  readonly limits: WorkbookLimits;
  /** Hears how far into the sheet's XML the reading is, from 0 to 1 (for progress). */
  readonly onProgress?: (fraction: number) => void;
}

/**
 * Streams the rows of one sheet of an Excel workbook, header first, in batches, as text (see
 * cellReading): only that sheet's part of the archive is inflated, after the workbook's parts
 * it refers to. A record's line is its row number in the sheet. Empty rows are skipped; rows are
 * padded to the header's width, so only a value beyond the header makes a row ragged. The cell
 * text produced is bounded by the file's size (WorkbookLimits): one shared string referenced by
 * every cell is refused before a batch of it is handed on.
 */
export async function* readXlsxBatches(archive: XlsxArchive, options: XlsxReadOptions): AsyncGenerator<SourceRecord[]> {
  const maxColumns = options.maxColumns ?? DEFAULT_MAX_COLUMNS;
  const maxRecordSize = options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
  const limits = options.limits;
  let xml: Readable | null = null;
  try {
    const sheet = await openWorkbookSheet(archive, { name: options.name, sheet: options.sheet, maxSharedStringsBytes: limits.maxSharedStringsBytes, maxValue: maxRecordSize });
    xml = await archive.text(sheet.part, limits.maxInflatedBytes, `sheet "${sheet.name}"`, maxRecordSize);
    const sheetBytes = Math.max(archive.inflatedSize(sheet.part), 1);
    let read = 0;
    async function* counted(chunks: AsyncIterable<string>): AsyncGenerator<string> {
      for await (const chunk of chunks) {
        read += chunk.length;
        options.onProgress?.(Math.min(read / sheetBytes, 1));
        yield chunk;
      }
    }
    const textBudget = limits.minTextBytes + limits.maxTextRatio * archive.fileSize;
    let text = 0;
    let width = 0; // the header's, once read
    let batch: SourceRecord[] = [];
    const tooWide = (row: number) => optionError((o) => `${options.name}: row ${row}: more than ${maxColumns} columns, the limit (raise it with ${o('maxColumns')})`, 'input');
    for await (const rows of readSheetRows(counted(xml), maxColumns, tooWide)) {
      for (const row of rows) {
        if (row.number > EXCEL_ROWS) throw inputError(`${options.name}: row ${row.number}: past the last row a sheet can have (${EXCEL_ROWS}); refused`);
        const record = rowRecord(row, width, sheet.cells, options, maxRecordSize);
        if (!record) continue;
        text += record.size;
        if (text > textBudget) {
          throw optionError(
            (o) =>
              `${options.name}: refused at row ${row.number}: its cells hold more than ${bytes(textBudget)} of text, far more than a ${bytes(archive.fileSize)} workbook holds (the limit is ${bytes(limits.minTextBytes)} and ${limits.maxTextRatio} times the file's size: a shared string repeated in every cell? raise it with ${o('workbookLimits.maxTextRatio')})`,
            'input',
          );
        }
        if (width === 0) {
          // A header without its text would name a column wrongly for every row.
          if (record.problems) throw inputError(`${options.name}: header row ${row.number}: ${record.problems.join('; ')}`);
          width = record.fields.length;
        }
        batch.push(record.problems ? { fields: record.fields, line: row.number, problems: record.problems } : { fields: record.fields, line: row.number });
        if (batch.length >= BATCH_RECORDS) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  } catch (err) {
    if (err instanceof ImporterError) throw err;
    throw inputError(`${options.name}: cannot be read as an Excel workbook: ${err instanceof Error ? err.message : String(err)}`, err);
  } finally {
    xml?.destroy();
    archive.close();
  }
}

/** The row's cells as text, padded to the header's width, with its text size; null for a row with nothing in it. */
function rowRecord(row: SheetRow, width: number, cells: CellContext, options: XlsxReadOptions, maxRecordSize: number): { fields: string[]; size: number; problems?: string[] } | null {
  const fields: string[] = [];
  let problems: string[] | undefined;
  let last = 0;
  let size = 0;
  for (const cell of row.cells) {
    const reading = cellReading(cell, `${columnLetters(cell.col)}${row.number}`, cells);
    let text = reading.text ?? '';
    if (reading.problem !== undefined) (problems ??= []).push(reading.problem);
    if (options.trim) text = text.trim();
    while (fields.length < cell.col - 1) fields.push('');
    fields[cell.col - 1] = text;
    size += text.length;
    if (size > maxRecordSize) {
      throw optionError((o) => `${options.name}: row ${row.number}: larger than the limit of ${maxRecordSize} bytes (raise it with ${o('maxRecordSize')})`, 'input');
    }
    if (text !== '' || reading.problem !== undefined) last = Math.max(last, cell.col);
  }
  if (last === 0) return null;
  fields.length = Math.max(last, width);
  for (let i = 0; i < fields.length; i++) fields[i] ??= '';
  return problems ? { fields, size, problems } : { fields, size };
}
