import { isFormulaShaped, type CellInput } from '../cells.js';
import { SHEET_NAMESPACES, Style, XML_DECLARATION, type StyleId } from './parts.js';
import { columnLetters, xmlText } from './xml-text.js';
import type { ZipEntry } from './zip-stream.js';

/**
 * Bytes gathered before they go to the deflater: large enough that a write per row is avoided.
 * Each row is encoded into this buffer at once, so its text dies young: gathering the rows as one
 * long string instead kept them alive through several minor collections, promoted them to the
 * old generation, and grew the heap by ~100 MB of garbage between major collections.
 */
const BATCH_BYTES = 128 * 1024;

export interface SheetLayout {
  /** Column widths in characters, first column first. */
  readonly widths: readonly number[];
  /** Keep the first row in view while scrolling. */
  readonly frozenHeader?: boolean;
}

/** Space, tab, line feed, carriage return: what XML counts as white space. */
function isXmlSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
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
  private batch: Buffer = Buffer.allocUnsafeSlow(BATCH_BYTES);
  private used = 0;
  /** Batches the deflater has read, ready for reuse. */
  private readonly spare: Buffer[] = [];
  private rows = 0;
  private readonly letters: string[] = [];

  constructor(
    private readonly entry: ZipEntry,
    layout: SheetLayout,
  ) {
    const pane = layout.frozenHeader ? '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>' : '';
    const cols = layout.widths.map((width, i) => `<col min="${i + 1}" max="${i + 1}" width="${width}" customWidth="1"/>`).join('');
    this.append(
      `${XML_DECLARATION}<worksheet ${SHEET_NAMESPACES}><sheetViews><sheetView workbookViewId="0">${pane}</sheetView></sheetViews>` +
      `<sheetFormatPr defaultRowHeight="15"/>${cols === '' ? '' : `<cols>${cols}</cols>`}<sheetData>`,
    );
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
      if (i >= textFrom || (typeof value === 'string' && isFormulaShaped(value))) style = asText(style);
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
        // Without it Excel drops the spaces, tabs and line breaks a value starts or ends with.
        const space = isXmlSpace(text.charCodeAt(0)) || isXmlSpace(text.charCodeAt(text.length - 1)) ? ' xml:space="preserve"' : '';
        xml += `<c r="${ref}"${s} t="inlineStr"><is><t${space}>${xmlText(text)}</t></is></c>`;
      }
    }
    return this.append(`${xml}</row>`);
  }

  /** Ends the sheet's XML and its zip entry. */
  async close(): Promise<void> {
    await this.append('</sheetData></worksheet>');
    await this.flush();
    await this.entry.end();
  }

  /** Adds text to the batch, handing the batch to the deflater first when it might not fit. */
  private append(text: string): Promise<void> | undefined {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    const busy = this.used + text.length * 3 > this.batch.length ? this.flush() : undefined;
    if (text.length * 3 > this.batch.length) {
      const whole = this.entry.write(text);
      return busy && whole ? Promise.all([busy, whole]).then(() => undefined) : (busy ?? whole);
    }
    this.used += this.batch.write(text, this.used, 'utf8');
    return busy;
  }

  private flush(): Promise<void> | undefined {
    if (this.used === 0) return undefined;
    const full = this.batch;
    const used = this.used;
    // The deflater reads the bytes later, in its thread: the next rows go to another buffer,
    // and this one is used again once read. Buffers left to the garbage collector instead
    // piled up as tens of MB of memory outside the heap between collections.
    this.batch = this.spare.pop() ?? Buffer.allocUnsafeSlow(BATCH_BYTES);
    this.used = 0;
    return this.entry.write(full.subarray(0, used), () => this.spare.push(full));
  }
}
