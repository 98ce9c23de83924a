import { isFormulaShaped, type CellInput } from '../cells.js';
import { SHEET_NAMESPACES, Style, XML_DECLARATION, type StyleId } from './parts.js';
import { columnLetters, xmlText } from './xml-text.js';
import type { ZipEntry } from './zip-stream.js';

/** Text gathered before it goes to the deflater: large enough that a write per row is avoided. */
const FLUSH_CHARS = 64 * 1024;

export interface SheetLayout {
  /** Column widths in characters, first column first. */
  readonly widths: readonly number[];
  /** Keep the first row in view while scrolling. */
  readonly frozenHeader?: boolean;
}

/** The same look with Excel's "@" (Text) format. */
function asText(style: StyleId): StyleId {
  if (style === Style.plain) return Style.text;
  if (style === Style.bold) return Style.boldText;
  return style;
}

/**
 * One worksheet written row by row as SpreadsheetML into its zip entry. Strings are inline
 * (`t="inlineStr"`), never shared: a shared-strings table would grow with the file. A string is
 * always a string cell, never a formula, and a formula-shaped one also gets the Text format so
 * that editing it in Excel keeps it text.
 */
export class SheetWriter {
  private text = '';
  private rows = 0;
  private readonly letters: string[] = [];

  constructor(
    private readonly entry: ZipEntry,
    layout: SheetLayout,
  ) {
    const pane = layout.frozenHeader ? '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>' : '';
    const cols = layout.widths.map((width, i) => `<col min="${i + 1}" max="${i + 1}" width="${width}" customWidth="1"/>`).join('');
    this.text =
      `${XML_DECLARATION}<worksheet ${SHEET_NAMESPACES}><sheetViews><sheetView workbookViewId="0">${pane}</sheetView></sheetViews>` +
      `<sheetFormatPr defaultRowHeight="15"/>${cols === '' ? '' : `<cols>${cols}</cols>`}<sheetData>`;
  }

  /** Rows written so far. */
  get rowCount(): number {
    return this.rows;
  }

  /**
   * Adds a row. `styles` gives each column's look (plain when absent); columns from `textFrom`
   * on get the Text format whatever they hold, empty ones included (a person types into them).
   * Returns a promise only when the deflater is full: await it then.
   */
  row(values: readonly CellInput[], styles: readonly StyleId[] = [], textFrom = Infinity): Promise<void> | undefined {
    const r = ++this.rows;
    let xml = `<row r="${r}">`;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      let style: StyleId = styles[i] ?? Style.plain;
      if (i >= textFrom || isFormulaShaped(value)) style = asText(style);
      const s = style === Style.plain ? '' : ` s="${style}"`;
      const ref = (this.letters[i] ??= columnLetters(i)) + r;
      if (value === null || value === undefined || value === '') {
        if (s !== '') xml += `<c r="${ref}"${s}/>`;
      } else if (typeof value === 'number' && Number.isFinite(value)) {
        xml += `<c r="${ref}"${s}><v>${value}</v></c>`;
      } else if (typeof value === 'boolean') {
        xml += `<c r="${ref}"${s} t="b"><v>${value ? 1 : 0}</v></c>`;
      } else {
        const text = String(value);
        const space = /^\s|\s$/.test(text) ? ' xml:space="preserve"' : '';
        xml += `<c r="${ref}"${s} t="inlineStr"><is><t${space}>${xmlText(text)}</t></is></c>`;
      }
    }
    this.text += `${xml}</row>`;
    return this.text.length >= FLUSH_CHARS ? this.flush() : undefined;
  }

  /** Ends the sheet's XML and its zip entry. */
  async close(): Promise<void> {
    this.text += '</sheetData></worksheet>';
    await this.flush();
    await this.entry.end();
  }

  private flush(): Promise<void> | undefined {
    const text = this.text;
    this.text = '';
    return this.entry.write(text);
  }
}
