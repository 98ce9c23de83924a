import type { ImportRecord } from '../import-record.js';
import { compileSchema, type ImportSchema } from '../schema/compile-schema.js';
import { createRowValidator, type RowValidator } from '../schema/row-validator.js';
import { decodeFailedRow, packedFailedBytes, packedSuccessBytes, unpackListElementSync } from '../redis/codec.js';
import { forEachSuccessRow } from '../chunks/chunk-codec.js';
import { cell, type CellInput } from './cells.js';
import { forUploader } from './uploader-text.js';
import { rowXml } from './xlsx/row-xml.js';
import { ImportedXmlFromBytes, type XmlBytesOut } from './imported-xml.js';
import { FailedXmlFromBytes } from './failed-xml.js';

/** The two sheets whose rows come from an outcome list. */
export type RowsSheet = 'errors' | 'imported';

/** What rendering needs to know of the import; plain data, so that it can go to a worker thread. */
export interface RowsSetup {
  readonly record: ImportRecord;
  /** Data rows per sheet before the next one starts. */
  readonly rowsPerSheet: number;
  /** Rows always rendered from their values, never from their bytes (tests compare the two). */
  readonly fromValuesOnly?: boolean;
}

/** Rows rendered as SpreadsheetML for one sheet, numbered as they stand in it. */
export interface RenderedRows {
  /** The rows begin a new sheet (the first one, or the next past the row limit). */
  readonly startsSheet: boolean;
  readonly rows: number;
  /** UTF-8 XML of the rows, `<row>...</row>` after each other, in pieces. */
  readonly xml: readonly Uint8Array[];
}

/** The Errors sheet's columns of the file's values, after Row, Line and Problems, are formatted as Text. */
const ERRORS_TEXT_FROM = 3;
/** Size of the pieces a batch's XML is written into: a few per batch of chunks. */
export const PIECE_BYTES = 256 * 1024;
/** The header is row 1 of every sheet. */
const HEADER_ROWS = 1;

/**
 * Turns the elements of an outcome list, as read from Redis, into the XML of their rows: unpacks
 * them, reads failed rows' entries and success entries back, coerces imported rows by the
 * import's schema as the worker did before saving them, and numbers each row within its sheet,
 * starting a new sheet past `rowsPerSheet`. Each batch says where in its list its rows start
 * (listElementRows counts them beforehand), so that batches can be rendered in any order and by
 * several renderers.
 */
export class SheetRowsRenderer {
  private readonly record: ImportRecord;
  private readonly rowsPerSheet: number;
  private validate: RowValidator | null = null;
  private readonly fromValuesOnly: boolean;
  private compiled: ImportSchema | null | undefined;
  /** Imported rows rendered from their bytes (undefined until first needed; null when it cannot). */
  private fromBytes: ImportedXmlFromBytes | null | undefined;
  /** Failed rows rendered from their bytes (null when rows go by their values only). */
  private readonly failedFromBytes: FailedXmlFromBytes | null;

  constructor(setup: RowsSetup) {
    this.record = setup.record;
    this.rowsPerSheet = setup.rowsPerSheet;
    this.fromValuesOnly = setup.fromValuesOnly === true;
    this.failedFromBytes = this.fromValuesOnly ? null : new FailedXmlFromBytes(setup.record);
  }

  /**
   * Memory of pieces already written out, given back to be written into again (see
   * rows-renderer.ts): a thread handing over new buffers for every batch left tens of MB to wait
   * for the receiving thread's garbage collector.
   */
  private readonly spare: ArrayBuffer[] = [];

  /** Takes back a piece's memory (only of the standard size) for the next batches. */
  reuse(memory: ArrayBuffer): void {
    if (memory.byteLength === PIECE_BYTES) this.spare.push(memory);
  }

  /**
   * The rows of `elements`, the list's rows from index `first` (0 is its first row) on. The
   * first batch of a list starts its first sheet even when it has no rows.
   */
  render(sheet: RowsSheet, elements: readonly Uint8Array[], first: number): RenderedRows[] {
    const { rowsPerSheet } = this;
    let inSheet = first % rowsPerSheet;
    const out = new RowsOut(first === 0 || inSheet === 0, this.spare);
    const nextRow = (): number => {
      if (inSheet === rowsPerSheet) {
        out.nextSheet();
        inSheet = 0;
      }
      return HEADER_ROWS + ++inSheet;
    };
    // `sheetRow`: the row's number in its sheet when one was already taken for it.
    const add = (values: readonly CellInput[], textFrom?: number, sheetRow = nextRow()): void => out.add(rowXml(sheetRow, values, undefined, textFrom));
    const addImported = (row: number, fields: string[], sheetRow?: number): void => {
      const check = (this.validate ??= this.importValidator())(fields);
      add([row, ...(check.ok ? check.values : fields).map(cell)], undefined, sheetRow);
    };
    const addFailed = (entry: string): void => {
      const failed = decodeFailedRow(entry);
      add([failed.row, failed.line, cell(forUploader(this.record, failed.messages.join('; '))), ...failed.values.map(cell)], ERRORS_TEXT_FROM);
    };
    for (const element of elements) {
      if (sheet === 'errors') {
        const bytes = this.failedFromBytes ? packedFailedBytes(element) : null;
        if (bytes) this.failedFromBytes!.render(bytes, nextRow, out, addFailed);
        else for (const entry of unpackListElementSync(element)) addFailed(entry);
        continue;
      }
      if (this.fromBytes === undefined) this.fromBytes = this.fromValuesOnly ? null : ImportedXmlFromBytes.forImport(this.record, this.schema());
      const bytes = this.fromBytes ? packedSuccessBytes(element) : null;
      if (bytes && this.fromBytes!.render(bytes, nextRow, out, addImported)) continue;
      for (const entry of bytes ? [bytes.toString('utf8')] : unpackListElementSync(element)) forEachSuccessRow(entry, this.record.keepColumns, addImported);
    }
    return out.done(first === 0);
  }

  private importValidator(): RowValidator {
    const { record } = this;
    return createRowValidator(record.columns, this.schema(), { headerWidth: record.keepColumns?.width, trusted: true });
  }

  /**
   * The import's schema, compiled once for both ways of rendering imported rows; ajv's part only
   * when a row needs it (the enqueue compiled the schema whole: it is known to be valid).
   */
  private schema(): ImportSchema | null {
    if (this.compiled === undefined) this.compiled = this.record.schema ? compileSchema(JSON.parse(this.record.schema), { lazy: true }) : null;
    return this.compiled;
  }
}

/**
 * The XML of a batch's rows, encoded as each row is made (its text dies young) into pieces of
 * PIECE_BYTES, never copied to grow, cut where a new sheet starts. Each piece has a buffer of
 * its own, which a worker thread can hand over.
 */
class RowsOut implements XmlBytesOut {
  private readonly parts: RenderedRows[] = [];
  private pieces: Uint8Array[] = [];
  private buffer: Buffer | null = null;
  private used = 0;
  private rows = 0;

  constructor(
    private startsSheet: boolean,
    private readonly spare: ArrayBuffer[],
  ) {}

  add(xml: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    const buffer = this.room(xml.length * 3).buffer;
    this.wrote(this.used + buffer.write(xml, this.used, 'utf8'));
  }

  room(bytes: number): { buffer: Buffer; at: number } {
    if (this.buffer === null || this.used + bytes > this.buffer.length) {
      this.endPiece();
      const spare = bytes <= PIECE_BYTES ? this.spare.pop() : undefined;
      this.buffer = spare ? Buffer.from(spare) : Buffer.allocUnsafeSlow(Math.max(PIECE_BYTES, bytes));
    }
    return { buffer: this.buffer, at: this.used };
  }

  wrote(end: number): void {
    this.used = end;
    this.rows++;
  }

  nextSheet(): void {
    this.cut();
    this.startsSheet = true;
  }

  /** The parts; one that starts a sheet but has no rows is kept only when `keepEmpty`. */
  done(keepEmpty: boolean): RenderedRows[] {
    this.cut();
    return this.parts.filter((part) => part.rows > 0 || keepEmpty);
  }

  private endPiece(): void {
    if (this.buffer !== null && this.used > 0) this.pieces.push(this.buffer.subarray(0, this.used));
    this.buffer = null;
    this.used = 0;
  }

  private cut(): void {
    this.endPiece();
    if (this.rows > 0 || this.startsSheet) this.parts.push({ startsSheet: this.startsSheet, rows: this.rows, xml: this.pieces });
    this.startsSheet = false;
    this.rows = 0;
    this.pieces = [];
  }
}
