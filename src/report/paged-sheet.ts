import type ExcelJS from 'exceljs';
import { addSafeRow, type CellInput } from './cells.js';

/** Excel's limit is 1,048,576 rows a sheet, header included. */
export const MAX_DATA_ROWS_PER_SHEET = 1_048_575;

export interface PagedSheetOptions {
  readonly name: string;
  readonly header: readonly string[];
  readonly widths: readonly number[];
  readonly rowsPerSheet: number;
  /** Columns from this index on are formatted as Text (see addSafeRow). */
  readonly textFrom?: number;
}

/**
 * Sheets of at most Excel's row limit: "Imported", then "Imported (2)", ... Every row is
 * committed as it is added, so the streaming writer keeps memory flat.
 */
export class PagedSheet {
  private sheet: ExcelJS.Worksheet | null = null;
  private rows = 0;
  private page = 0;

  constructor(
    private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter,
    private readonly options: PagedSheetOptions,
  ) {}

  add(values: readonly CellInput[]): void {
    if (!this.sheet || this.rows >= this.options.rowsPerSheet) this.open();
    addSafeRow(this.sheet!, values, this.options.textFrom).commit();
    this.rows++;
  }

  private open(): void {
    this.sheet?.commit();
    this.page++;
    this.rows = 0;
    const { name, header, widths } = this.options;
    this.sheet = this.workbook.addWorksheet(this.page === 1 ? name : `${name} (${this.page})`, {
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    this.sheet.columns = header.map((_, i) => ({ width: widths[i] ?? 16 }));
    const headerRow = addSafeRow(this.sheet, header);
    headerRow.font = { bold: true };
    headerRow.commit();
  }

  finish(): void {
    if (!this.sheet) this.open();
    this.sheet!.commit();
  }
}
