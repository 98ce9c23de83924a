import { durationInWords } from '../duration-words.js';
import type { ImportRecord } from '../import-record.js';
import { cell, type CellInput } from './cells.js';
import type { ErrorGroup } from './error-groups.js';
import { fileLabel, forUploader, ignoredList } from './uploader-text.js';
import { Style } from './xlsx/parts.js';
import type { XlsxWriter } from './xlsx/workbook-writer.js';

function when(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

export function describeOutcome(record: ImportRecord): string {
  switch (record.state) {
    case 'complete':
      return record.failed === 0 ? 'Every row was imported' : `${record.failed.toLocaleString('en-US')} of ${(record.total ?? 0).toLocaleString('en-US')} rows could not be imported: see the Errors sheet`;
    case 'failed':
      return 'The file could not be read to the end; the import stopped';
    case 'cancelled':
      return 'The import was cancelled';
    default:
      return 'Still in progress: this report is partial';
  }
}

/**
 * The first sheet: what was imported, into which table, when, and the problems grouped by column
 * and message with their row counts, most frequent first. It goes to the uploader: no target
 * URL, host or server path (see forUploader).
 */
export async function writeSummary(
  workbook: XlsxWriter,
  record: ImportRecord,
  groups: readonly ErrorGroup[],
  extras: { readonly rowColumn: string; readonly lineColumn: string; readonly problemsColumn: string },
): Promise<void> {
  const sheet = await workbook.addSheet('Summary', { widths: [28, 70, 10] });
  await sheet.row([`Import of ${fileLabel(record.source)}`], [Style.title]);
  await sheet.row([]);
  const total = record.total ?? record.enqueuedRows;
  const lines: [string, CellInput][] = [
    ['File', fileLabel(record.source)],
    ['Import id', record.id],
    ['Outcome', describeOutcome(record)],
    ['Rows in the file', total],
    ['Imported', record.succeeded],
    ['Failed', record.failed],
    ['Not yet processed', Math.max(0, total - record.succeeded - record.failed)],
    ['Saved to table', record.table],
    ['Started', when(record.createdAt)],
    ['Finished', when(record.finishedAt)],
    ['Duration', record.finishedAt === null ? '' : durationInWords(record.finishedAt - record.createdAt)],
  ];
  if (record.ignoredColumns.length > 0) lines.push(['Ignored columns', `${ignoredList(record)}: not in the schema, not imported`]);
  if (record.notify) lines.push(['Started by', record.notify]);
  if (record.error) lines.push(['Why it stopped', forUploader(record, record.error)]);
  for (const [label, value] of lines) await sheet.row([label, cell(value)], [Style.bold]);
  if (groups.length > 0) {
    await sheet.row([]);
    await sheet.row(['Problems by column', 'Problem', 'Rows'], [Style.bold, Style.bold, Style.bold]);
    for (const group of groups) await sheet.row([cell(group.column ?? '(whole row)'), cell(forUploader(record, group.problem)), group.rows]);
    await sheet.row([]);
    await sheet.row([
      `The Errors sheet lists every failed row: its original values under the file's own headers, with "${extras.rowColumn}", ` +
        `"${extras.lineColumn}" and "${extras.problemsColumn}" first. Correct the values in place and import that sheet again ` +
        `(importer enqueue <this file> --sheet Errors): those three columns are ignored.`,
    ]);
  }
}
