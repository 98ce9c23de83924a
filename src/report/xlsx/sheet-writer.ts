import type { CellInput } from '../cells.js';
import { SHEET_NAMESPACES, XML_DECLARATION, type StyleId } from './parts.js';
import { rowXml } from './row-xml.js';
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

/**
 * One worksheet written row by row as SpreadsheetML into its zip entry. Strings are written in
 * their cells (`t="str"`, or `t="inlineStr"` with xml:space when they start or end with white
 * space; cellXml), never shared: a shared-strings table would grow with the file.
 */
export class SheetWriter {
  private batch: Buffer = Buffer.allocUnsafeSlow(BATCH_BYTES);
  private used = 0;
  /** Batches the deflater has read, ready for reuse. */
  private readonly spare: Buffer[] = [];
  private rows = 0;

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
   * Adds a row (see rowXml). Returns a promise only when the deflater is full: await it then.
   */
  row(values: readonly CellInput[], styles: readonly StyleId[] = [], textFrom = Infinity): Promise<void> | undefined {
    return this.append(rowXml(++this.rows, values, styles, textFrom));
  }

  /**
   * Adds `count` rows already rendered as XML (rowXml, in pieces), numbered from this sheet's
   * next row on. `consumed` is called with each piece once the deflater has read it.
   */
  async rendered(xml: readonly Uint8Array[], count: number, consumed?: (piece: Uint8Array) => void): Promise<void> {
    this.rows += count;
    await this.flush();
    for (const piece of xml) await this.entry.write(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength), consumed && (() => consumed(piece)));
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
