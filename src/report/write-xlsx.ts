import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Redis } from 'ioredis';
import { errorMessage, ImporterError } from '../errors.js';
import type { ImportRecord } from '../import-record.js';
import { importKeys } from '../redis/keys.js';
import { groupErrors } from './error-groups.js';
import { parseFailedRow, parseImportedRow, readList } from './list-reader.js';

/** Excel's limit is 1,048,576 rows a sheet, header included. */
export const MAX_DATA_ROWS_PER_SHEET = 1_048_575;
/** Excel refuses longer text in one cell. */
const MAX_CELL_CHARS = 32_767;

type Worksheet = ExcelJS.Worksheet;
type CellInput = string | number | boolean | null;

function cell(value: unknown): CellInput {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 30)}... [cut: ${text.length} characters]` : text;
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function when(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** Sheets of at most Excel's row limit: "Imported", then "Imported (2)", ... */
class PagedSheet {
  private sheet: Worksheet | null = null;
  private rows = 0;
  private page = 0;

  constructor(
    private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter,
    private readonly name: string,
    private readonly header: readonly string[],
    private readonly widths: readonly number[],
    private readonly rowsPerSheet: number,
  ) {}

  add(values: readonly CellInput[]): void {
    if (!this.sheet || this.rows >= this.rowsPerSheet) this.open();
    this.sheet!.addRow(values as CellInput[]).commit();
    this.rows++;
  }

  private open(): void {
    this.sheet?.commit();
    this.page++;
    this.rows = 0;
    this.sheet = this.workbook.addWorksheet(this.page === 1 ? this.name : `${this.name} (${this.page})`, {
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    this.sheet.columns = this.header.map((_, i) => ({ width: this.widths[i] ?? 16 }));
    const headerRow = this.sheet.addRow([...this.header]);
    headerRow.font = { bold: true };
    headerRow.commit();
  }

  finish(): void {
    if (!this.sheet) this.open();
    this.sheet!.commit();
  }
}

/**
 * Writes the report of an import as XLSX with exceljs's streaming writer, reading the outcome
 * lists from Redis in batches: memory stays flat however many rows there are. The file appears
 * under its name only once it is complete.
 */
export async function writeXlsxReport(
  redis: Redis,
  prefix: string,
  record: ImportRecord,
  out: string,
  rowsPerSheet = MAX_DATA_ROWS_PER_SHEET,
): Promise<void> {
  const keys = importKeys(prefix, record.id);
  const partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
  try {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: partial, useStyles: true, useSharedStrings: false });
    workbook.creator = 'importer';
    await writeSummary(workbook, record, await groupErrors(redis, keys.failed));

    const errors = new PagedSheet(workbook, 'Errors', ['Row', 'Line', 'Problems', ...record.columns], [8, 8, 60, ...record.columns.map(() => 18)], rowsPerSheet);
    for await (const entry of readList(redis, keys.failed)) {
      const failed = parseFailedRow(entry);
      errors.add([failed.row, failed.line, cell(failed.messages.join('; ')), ...failed.values.map(cell)]);
    }
    errors.finish();

    const imported = new PagedSheet(workbook, 'Imported', ['Row', ...record.columns], [8, ...record.columns.map(() => 18)], rowsPerSheet);
    for await (const entry of readList(redis, keys.succeeded)) {
      const row = parseImportedRow(entry);
      imported.add([row.row, ...row.values.map(cell)]);
    }
    imported.finish();
    await workbook.commit();
    await rename(partial, out);
  } catch (err) {
    await rm(partial, { force: true });
    if (err instanceof ImporterError) throw err;
    throw new ImporterError('input', `cannot write report ${out}: ${errorMessage(err)}`, { cause: err });
  }
}

async function writeSummary(workbook: ExcelJS.stream.xlsx.WorkbookWriter, record: ImportRecord, groups: readonly { message: string; rows: number }[]): Promise<void> {
  const sheet = workbook.addWorksheet('Summary');
  sheet.columns = [{ width: 28 }, { width: 70 }];
  const title = sheet.addRow([`Import of ${record.source === '-' ? 'standard input' : basename(record.source)}`]);
  title.font = { bold: true, size: 14 };
  title.commit();
  sheet.addRow([]).commit();
  const total = record.total ?? record.enqueuedRows;
  const lines: [string, CellInput][] = [
    ['File', record.source === '-' ? 'standard input' : record.source],
    ['Import id', record.id],
    ['Outcome', describeOutcome(record)],
    ['Rows in the file', total],
    ['Imported', record.succeeded],
    ['Failed', record.failed],
    ['Not yet processed', Math.max(0, total - record.succeeded - record.failed)],
    ['Saved to', `${record.target} (table ${record.table})`],
    ['Started', when(record.createdAt)],
    ['Finished', when(record.finishedAt)],
    ['Duration', record.finishedAt === null ? '' : duration(record.finishedAt - record.createdAt)],
  ];
  if (record.notify) lines.push(['Started by', record.notify]);
  if (record.error) lines.push(['Why it stopped', record.error]);
  for (const [label, value] of lines) {
    const row = sheet.addRow([label, value]);
    row.getCell(1).font = { bold: true };
    row.commit();
  }
  if (groups.length > 0) {
    sheet.addRow([]).commit();
    const heading = sheet.addRow(['Most common problems', 'Rows']);
    heading.font = { bold: true };
    heading.commit();
    for (const group of groups) sheet.addRow([cell(group.message), group.rows]).commit();
    sheet.addRow([]).commit();
    sheet.addRow(['The Errors sheet lists every failed row with its problems and its original values.']).commit();
  }
  sheet.commit();
}

function describeOutcome(record: ImportRecord): string {
  switch (record.state) {
    case 'complete':
      return record.failed === 0 ? 'Every row was imported' : `${record.failed} of ${record.total} rows could not be imported: see the Errors sheet`;
    case 'failed':
      return 'The file could not be read to the end; the import stopped';
    case 'cancelled':
      return 'The import was cancelled';
    default:
      return 'Still in progress: this report is partial';
  }
}
