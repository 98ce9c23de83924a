import { cell } from '../report/cells.js';
import type { ErrorGroup } from '../report/error-groups.js';
import { MAX_DATA_ROWS_PER_SHEET, PagedSheet } from '../report/paged-sheet.js';
import { PartialFile } from '../report/partial-file.js';
import { fileLabel, forUploader } from '../report/uploader-text.js';
import { errorsSheetExtras } from '../report/write-xlsx.js';
import { Style } from '../report/xlsx/parts.js';
import { XlsxWriter } from '../report/xlsx/workbook-writer.js';

/** What the check found, for the workbook's Summary sheet. */
export interface CheckCounts {
  readonly total: number;
  readonly valid: number;
  readonly invalid: number;
  readonly ignoredColumns: readonly string[];
  readonly groups: readonly ErrorGroup[];
}

/**
 * The workbook `check --out` writes, as its rows are checked: first the Errors sheet, the same
 * as an import's report (Row, Line, Problems, then the original values under the file's own
 * headers, as Text; so it opens on the rows to correct, and `enqueue` reads it back as its first
 * sheet), then a Summary sheet with the counts and the problems grouped. Written under a
 * temporary name and renamed once complete.
 */
export class ErrorsWorkbook {
  private readonly file: PartialFile;
  private readonly workbook: XlsxWriter;
  private readonly errors: PagedSheet;

  constructor(
    out: string,
    private readonly source: string,
    headers: readonly string[],
    rowsPerSheet = MAX_DATA_ROWS_PER_SHEET,
  ) {
    this.file = new PartialFile(out, 'errors workbook');
    this.workbook = new XlsxWriter(this.file.stream);
    const extras = errorsSheetExtras(headers);
    this.errors = new PagedSheet(this.workbook, {
      name: 'Errors',
      header: [extras.rowColumn, extras.lineColumn, extras.problemsColumn, ...headers],
      widths: [8, 8, 60, ...headers.map(() => 18)],
      rowsPerSheet,
      textFrom: 3,
    });
  }

  /** Adds a failed row; a promise only when the output is busy (then wait for it). */
  add(row: number, line: number, messages: readonly string[], values: readonly string[]): Promise<void> | undefined {
    const problems = cell(forUploader({ source: this.source, target: '' }, messages.join('; ')));
    const busy = this.errors.add([row, line, problems, ...values.map(cell)]);
    // A file that cannot be written (no such folder, a full disk) fails the check, not hangs it.
    return busy ? Promise.race([busy, this.file.failed]).catch((err: unknown) => {
      throw this.file.writeError(err);
    }) : undefined;
  }

  /** Writes the Summary sheet, ends the workbook and puts it in place. */
  async finish(counts: CheckCounts): Promise<void> {
    try {
      await Promise.race([this.writeRest(counts), this.file.failed]);
    } catch (err) {
      await this.file.discard();
      throw this.file.writeError(err);
    }
    await this.file.commit();
  }

  /** Drops what was written (the check could not read the file to its end). */
  async discard(): Promise<void> {
    await this.file.discard();
  }

  private async writeRest(counts: CheckCounts): Promise<void> {
    await this.errors.finish();
    const sheet = await this.workbook.addSheet('Summary', { widths: [28, 70, 10] });
    const label = fileLabel(this.source);
    await sheet.row([cell(`Check of ${label}`)], [Style.title]);
    await sheet.row([]);
    const outcome =
      counts.invalid === 0
        ? 'Every row is valid'
        : `${counts.invalid.toLocaleString('en-US')} of ${counts.total.toLocaleString('en-US')} rows would fail: see the Errors sheet`;
    const lines: [string, string | number][] = [
      ['File', label],
      ['Outcome', outcome],
      ['Rows in the file', counts.total],
      ['Valid', counts.valid],
      ['Invalid', counts.invalid],
      ['Checked', new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')],
    ];
    if (counts.ignoredColumns.length > 0) lines.push(['Ignored columns', `${counts.ignoredColumns.map((c) => `"${c}"`).join(', ')}: not in the schema, not imported`]);
    for (const [name, value] of lines) await sheet.row([name, cell(value)], [Style.bold]);
    if (counts.groups.length > 0) {
      await sheet.row([]);
      await sheet.row(['Problems by column', 'Problem', 'Rows'], [Style.bold, Style.bold, Style.bold]);
      for (const group of counts.groups) await sheet.row([cell(group.column ?? '(whole row)'), cell(group.problem), group.rows]);
    }
    await this.workbook.finish();
  }
}
