import type { ImportRecord } from '../import-record.js';
import { describeGroup, type ErrorGroup } from '../report/error-groups.js';
import { describeFailedRow } from '../report/first-errors.js';
import type { FailedRowEntry } from '../redis/codec.js';
import { fileLabel, forUploader, ignoredList } from '../report/uploader-text.js';

/** How the mail gives the report: attached, linked, or only named. */
export type ReportHandover =
  | { readonly kind: 'attached'; readonly filename: string }
  | { readonly kind: 'linked'; readonly url: string; readonly s3Url: string; readonly until: Date; readonly bytes: number; readonly maxBytes: number }
  | { readonly kind: 'written'; readonly bytes: number; readonly maxBytes: number };

export interface ReportMailInput {
  readonly record: ImportRecord;
  readonly groups: readonly ErrorGroup[];
  readonly firstErrors: readonly FailedRowEntry[];
  readonly handover: ReportHandover;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 ? Math.round(mb) : mb.toFixed(1)} MB`;
}

/** "Import people.csv: 9,512 imported, 488 failed". */
export function reportSubject(record: ImportRecord): string {
  const counts = `${count(record.succeeded)} imported, ${count(record.failed)} failed`;
  const name = fileLabel(record.source);
  if (record.state === 'failed') return `Import ${name} failed: ${counts} before it stopped`;
  if (record.state === 'cancelled') return `Import ${name} cancelled: ${counts}`;
  return `Import ${name}: ${counts}`;
}

function opening(record: ImportRecord): string {
  const name = fileLabel(record.source);
  switch (record.state) {
    case 'complete':
      return record.failed === 0 ? `Every row of ${name} was imported.` : `The import of ${name} is finished; some rows could not be imported.`;
    case 'failed':
      return `The import of ${name} stopped: ${record.error ? forUploader(record, record.error) : 'the file could not be read to the end'}.`;
    case 'cancelled':
      return `The import of ${name} was cancelled.`;
    default:
      return `The import of ${name} is still in progress; this report is partial.`;
  }
}

function handoverText(handover: ReportHandover, failed: number): string[] {
  switch (handover.kind) {
    case 'attached':
      if (failed === 0) return [`The attached spreadsheet ${handover.filename} lists the imported rows.`];
      return [
        `The attached spreadsheet ${handover.filename} has every failed row on its Errors sheet, with what is wrong.`,
        'Correct the values there and import that sheet again; the columns Row, Line and Problems are ignored.',
      ];
    case 'linked':
      return [
        `The report (${megabytes(handover.bytes)}) is too large to attach (the limit is ${megabytes(handover.maxBytes)}). Download it here, until ${handover.until.toUTCString()}:`,
        handover.url,
      ];
    case 'written':
      // Where it was written is a server path: the operator finds it by the import id.
      return [`The report (${megabytes(handover.bytes)}) is too large to attach (the limit is ${megabytes(handover.maxBytes)}). Ask whoever runs the importer for it, giving the import id below.`];
  }
}

/**
 * The plain-text body: the counts, the problems grouped by column and message, the first failed
 * rows, and where the spreadsheet is. Short enough to read on a phone.
 */
export function reportBody(input: ReportMailInput): string {
  const { record } = input;
  const total = record.total ?? record.enqueuedRows;
  const width = Math.max(count(total).length, count(record.succeeded).length, count(record.failed).length);
  const lines = [
    opening(record),
    '',
    `  Rows in the file  ${count(total).padStart(width)}`,
    `  Imported          ${count(record.succeeded).padStart(width)}   into table ${record.table}`,
    `  Failed            ${count(record.failed).padStart(width)}`,
  ];
  if (record.ignoredColumns.length > 0) {
    lines.push('', `Ignored columns (not in the schema, not imported): ${ignoredList(record)}`);
  }
  if (input.groups.length > 0) {
    lines.push('', 'Problems, most frequent first:', ...input.groups.map((g) => `  ${forUploader(record, describeGroup(g))}`));
  }
  if (input.firstErrors.length > 0) {
    lines.push('', `The first failed rows${record.failed > input.firstErrors.length ? ` (of ${count(record.failed)})` : ''}:`, ...input.firstErrors.map((f) => `  ${forUploader(record, describeFailedRow(f))}`));
  }
  lines.push('', ...handoverText(input.handover, record.failed), '', `Import id: ${record.id}`);
  return `${lines.join('\n')}\n`;
}
