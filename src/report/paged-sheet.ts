import type { CellInput } from './cells.js';
import type { RenderedRows } from './sheet-rows.js';
import { Style } from './xlsx/parts.js';
import type { SheetWriter } from './xlsx/sheet-writer.js';
import type { XlsxWriter } from './xlsx/workbook-writer.js';

/** Excel's limit is 1,048,576 rows a sheet, header included. */
export const MAX_DATA_ROWS_PER_SHEET = 1_048_575;

export interface PagedSheetOptions {
  readonly name: string;
  readonly header: readonly string[];
  readonly widths: readonly number[];
  readonly rowsPerSheet: number;
  /** Columns from this index on are formatted as Text (see SheetWriter.row). */
  readonly textFrom?: number;
}

/**
 * Sheets of at most Excel's row limit: "Imported", then "Imported (2)", ... each with its bold
 * header frozen in view.
 */
export class PagedSheet {
  private sheet: SheetWriter | null = null;
  private rows = 0;
  private page = 0;
  private readonly headerStyles: readonly (typeof Style.bold)[];

  constructor(
    private readonly workbook: XlsxWriter,
    private readonly options: PagedSheetOptions,
  ) {
    this.headerStyles = options.header.map(() => Style.bold);
  }

  /**
   * Adds a row. Returns a promise only when the caller must wait (the output is busy, or a new
   * sheet starts): a promise per row cost more than writing the row.
   */
  add(values: readonly CellInput[]): Promise<void> | undefined {
    if (!this.sheet || this.rows >= this.options.rowsPerSheet) return this.open().then(() => this.add(values));
    this.rows++;
    return this.sheet.row(values, undefined, this.options.textFrom);
  }

  /**
   * Adds rows rendered elsewhere (SheetRowsRenderer), which say where a new sheet starts;
   * `consumed` gets each piece of their XML back once it has been read.
   */
  async addRendered(rendered: RenderedRows, consumed?: (piece: Uint8Array) => void): Promise<void> {
    if (!this.sheet || rendered.startsSheet) await this.open();
    this.rows += rendered.rows;
    await this.sheet!.rendered(rendered.xml, rendered.rows, consumed);
  }

  /** Opens the first sheet when no row was added: an empty sheet still has its header. */
  async finish(): Promise<void> {
    if (!this.sheet) await this.open();
  }

  private async open(): Promise<void> {
    this.page++;
    this.rows = 0;
    const { name, header, widths } = this.options;
    this.sheet = await this.workbook.addSheet(this.page === 1 ? name : `${name} (${this.page})`, {
      widths: header.map((_, i) => widths[i] ?? 16),
      frozenHeader: true,
    });
    await this.sheet.row(header, this.headerStyles);
  }
}
