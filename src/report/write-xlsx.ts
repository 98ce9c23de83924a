import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import type { ImportRecord } from '../import-record.js';
import { listElementRows } from '../redis/codec.js';
import { importKeys } from '../redis/keys.js';
import { countSuccessRows } from '../chunks/chunk-codec.js';
import { groupErrors } from './error-groups.js';
import { readListElements } from './list-reader.js';
import { MAX_DATA_ROWS_PER_SHEET, PagedSheet } from './paged-sheet.js';
import { startRowsRenderer, type RowsRenderer } from './rows-renderer.js';
import type { RenderedRows, RowsSheet } from './sheet-rows.js';
import { PartialFile } from './partial-file.js';
import { writeSummary } from './summary-sheet.js';
import { XlsxWriter } from './xlsx/workbook-writer.js';

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

/** How far the writing of a report's rows has come. */
export interface ReportProgress {
  /** Failed and imported rows written so far. */
  readonly rows: number;
  /** Failed and imported rows the report will hold. */
  readonly total: number;
}

export interface WorkbookOptions {
  /** Data rows per sheet before the next one starts; Excel's limit unless a test says less. */
  readonly rowsPerSheet?: number;
  /** Called every few thousand rows written, and once at the end. */
  readonly onProgress?: (progress: ReportProgress) => void;
}

/** Rows between two progress calls: often enough for a bar, rare enough to cost nothing. */
const PROGRESS_EVERY = 4096;

/**
 * Writes the report of an import as XLSX into `stream`, reading the outcome lists from Redis in
 * batches and writing each row as it is read: memory stays flat however many rows there are,
 * and a slow `stream` slows the reading down (backpressure from Redis to the file).
 * Resolves once the whole workbook has been written to the stream and the stream has finished.
 */
export async function writeWorkbook(redis: Redis, prefix: string, record: ImportRecord, stream: Writable, options: WorkbookOptions = {}): Promise<void> {
  const keys = importKeys(prefix, record.id);
  const total = record.failed + record.succeeded;
  options.onProgress?.({ rows: 0, total });
  const rowsPerSheet = options.rowsPerSheet ?? MAX_DATA_ROWS_PER_SHEET;
  const workbook = new XlsxWriter(stream);
  // The Errors sheet shows the original values under the file's own headers, so it can be re-imported.
  const extras = errorsSheetExtras(record.headers);
  await writeSummary(workbook, record, await groupErrors(redis, keys.failed, record.columns), extras);

  let rows = 0;
  const progressed = (added: number): void => {
    const before = rows;
    rows += added;
    if (Math.floor(rows / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY)) options.onProgress?.({ rows, total: Math.max(total, rows) });
  };
  const errors = new PagedSheet(workbook, {
    name: 'Errors',
    header: [extras.rowColumn, extras.lineColumn, extras.problemsColumn, ...record.headers],
    widths: [8, 8, 60, ...record.headers.map(() => 18)],
    rowsPerSheet,
  });
  const imported = new PagedSheet(workbook, { name: 'Imported', header: ['Row', ...record.columns], widths: [8, ...record.columns.map(() => 18)], rowsPerSheet });
  const renderer = startRowsRenderer({ record, rowsPerSheet });
  try {
    await writeRows(renderer, 'errors', counted(readListElements(redis, keys.failed), ERRORS_BATCH_ROWS), errors, progressed);
    await errors.finish();
    await writeRows(renderer, 'imported', counted(readListElements(redis, keys.succeeded, IMPORTED_BATCH)), imported, progressed);
    await imported.finish();
  } finally {
    await renderer.close();
  }
  await workbook.finish();
  options.onProgress?.({ rows, total: Math.max(total, rows) });
}

/**
 * Success-list elements (whole chunks of rows) sent to the renderer at a time: one, about a MB
 * of XML. Rendering from the rows' bytes outruns the deflater, so the batches ahead are always
 * full: two elements a batch held ~15 MB more at the report's peak for no speed (farm-bench).
 */
const IMPORTED_BATCH = 1;

/**
 * Failed rows sent to the renderer at a time, at most (a chunk's failed rows are one element,
 * never cut; elements are fetched eight at a time). By elements alone a batch grew with the share
 * of invalid rows, up to eight whole chunks: the report of 500,000 rows that all failed peaked at
 * 197-207 MB, and at 139-152 MB in batches of this size (the same file).
 */
const ERRORS_BATCH_ROWS = 2000;

/** A batch of list elements and the rows they hold. */
interface CountedBatch {
  readonly elements: Buffer[];
  readonly rows: number;
}

/**
 * The elements of `batches` again, in order, each element's rows counted once, in batches of at
 * most `maxRows` rows (one element at least; by default, the batches as they come).
 */
async function* counted(batches: AsyncIterable<Buffer[]>, maxRows = Number.POSITIVE_INFINITY): AsyncGenerator<CountedBatch> {
  for await (const elements of batches) {
    let group: Buffer[] = [];
    let rows = 0;
    for (const element of elements) {
      const count = listElementRows(element, countSuccessRows);
      if (group.length > 0 && rows + count > maxRows) {
        yield { elements: group, rows };
        group = [];
        rows = 0;
      }
      group.push(element);
      rows += count;
    }
    if (group.length > 0) yield { elements: group, rows };
  }
}

/**
 * Batches rendered or being rendered ahead of the one being written: enough for this thread to
 * render one while the worker thread has its own three (rows-renderer.ts). Five against three:
 * 0.90x the wall time on 1,000,000 ASCII and 2,000,000 realistic rows for ~2-6 MB more at the
 * peak (farm-bench).
 */
const RENDER_AHEAD = 5;

/**
 * The rows of one outcome list into their sheet: batches go to the renderer as they are read,
 * each numbered from where the batch before it ends (its rows counted from the elements' headers),
 * at most RENDER_AHEAD ahead of the one being written, so a slow output slows the reading.
 */
async function writeRows(renderer: RowsRenderer, sheet: RowsSheet, batches: AsyncIterable<CountedBatch>, into: PagedSheet, progressed: (rows: number) => void): Promise<void> {
  const ahead: Promise<RenderedRows[]>[] = [];
  const writeOldest = async (): Promise<void> => {
    for (const part of await ahead.shift()!) {
      await into.addRendered(part, renderer.recycle);
      progressed(part.rows);
    }
  };
  let next = 0;
  try {
    for await (const { elements, rows: count } of batches) {
      const first = next;
      next += count;
      const rendered = renderer.render(sheet, elements, first).then((parts) => {
        const rows = parts.reduce((sum, part) => sum + part.rows, 0);
        if (rows !== count) throw new Error(`the ${sheet} rows ${first + 1}..${first + count} of the report read as ${rows} rows instead of ${count}`);
        return parts;
      });
      rendered.catch(() => {}); // surfaced when awaited
      ahead.push(rendered);
      if (ahead.length >= RENDER_AHEAD) await writeOldest();
    }
    while (ahead.length > 0) await writeOldest();
  } finally {
    ahead.length = 0;
  }
}

/**
 * Writes the report to a local file: to a temporary name beside it first, renamed once
 * complete, so the file never exists half-written.
 */
export async function writeXlsxReport(redis: Redis, prefix: string, record: ImportRecord, out: string, options: WorkbookOptions = {}): Promise<void> {
  const file = new PartialFile(out, 'report');
  try {
    await Promise.race([writeWorkbook(redis, prefix, record, file.stream, options), file.failed]);
  } catch (err) {
    await file.discard();
    throw file.writeError(err);
  }
  await file.commit();
}
