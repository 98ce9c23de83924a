import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { inputError } from '../errors.js';
import { isDateNumberFormat, type CellContext } from './cell-text.js';
import type { XlsxArchive } from './xlsx-archive.js';

/** Parts other than the sheet and the shared strings (workbook, relationships, styles): small in any real workbook. */
const MAX_PART_BYTES = 64 * 1024 * 1024;

/**
 * The parsers exceljs's streaming WorkbookReader runs on each part of the archive as its own ZIP
 * reading meets them. Called here on the parts this reader opens itself, in the order it needs
 * them, so that no part is read that is not wanted, and no sheet waits in a temporary file for
 * shared strings stored after it (as LibreOffice and Excel store them). exceljs 4.4 has had these
 * methods since its streaming reader was written; test/workbooks.test.ts reads real workbooks
 * through them.
 */
interface ExcelJsBookParsers {
  _parseRels(text: Readable): Promise<void>;
  _parseWorkbook(text: Readable): Promise<void>;
  _parseStyles(text: Readable): Promise<void>;
  _parseSharedStrings(text: Readable): AsyncGenerator<unknown>;
  readonly workbookRels?: readonly { readonly Id: string; readonly Target: string }[];
  readonly model?: { readonly sheets?: readonly { readonly name: string; readonly rId: string }[] };
  readonly properties?: { readonly model?: { readonly date1904?: boolean } };
  readonly styles: { getStyleModel(id: number): { readonly numFmt?: string } | null };
  readonly sharedStrings?: unknown[];
}

export interface WorkbookSheet {
  /** The sheet's part in the archive, e.g. `xl/worksheets/sheet1.xml`. */
  readonly part: string;
  readonly name: string;
  readonly cells: CellContext;
}

export interface BookOptions {
  readonly name: string;
  readonly sheet?: string;
  readonly maxSharedStringsBytes: number;
  /** Longest value (text between two tags) a part may hold. */
  readonly maxValue: number;
}

/**
 * Reads what a sheet's cells refer to (relationships, workbook, styles, shared strings) and finds
 * the sheet asked for (by name; else the workbook's first), without reading any sheet.
 */
export async function openWorkbookSheet(archive: XlsxArchive, options: BookOptions): Promise<WorkbookSheet> {
  const book = new ExcelJS.stream.xlsx.WorkbookReader(null as unknown as Readable, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache', // dates are numbers with a date format: the styles tell them apart
    hyperlinks: 'ignore',
    entries: 'ignore',
  }) as unknown as ExcelJsBookParsers;
  const part = (path: string, what: string, max = MAX_PART_BYTES, raiseWith?: string): Promise<Readable> => archive.text(path, max, what, options.maxValue, raiseWith);
  await book._parseRels(await part('xl/_rels/workbook.xml.rels', 'list of parts'));
  await book._parseWorkbook(await part('xl/workbook.xml', 'list of sheets'));
  const sheets = book.model?.sheets ?? [];
  const wanted = options.sheet === undefined ? sheets[0] : sheets.find((s) => s.name === options.sheet);
  if (!wanted) {
    const names = sheets.map((s) => `"${s.name}"`);
    throw inputError(
      options.sheet === undefined
        ? `${options.name}: the workbook has no sheet`
        : `${options.name}: no sheet named "${options.sheet}"; the workbook has ${names.length > 0 ? names.join(', ') : 'no sheets'}`,
    );
  }
  const rel = book.workbookRels?.find((r) => r.Id === wanted.rId);
  const sheetPart = rel ? partPath(rel.Target) : null;
  if (!sheetPart || !archive.has(sheetPart)) throw inputError(`${options.name}: cannot be read as an Excel workbook: sheet "${wanted.name}" has no part in the archive`);
  const styled = archive.has('xl/styles.xml');
  if (styled) await book._parseStyles(await part('xl/styles.xml', 'styles'));
  if (archive.has('xl/sharedStrings.xml')) {
    const shared = await part('xl/sharedStrings.xml', 'shared-string table', options.maxSharedStringsBytes, 'workbookLimits.maxSharedStringsBytes');
    for await (const event of book._parseSharedStrings(shared)) void event; // cached in book.sharedStrings
  }
  const dateStyles = new Map<number, boolean>();
  const cells: CellContext = {
    sharedStrings: book.sharedStrings ?? [],
    date1904: book.properties?.model?.date1904 === true,
    isDateStyle(style) {
      let isDate = dateStyles.get(style);
      // Without styles every cell is General: no dates.
      if (isDate === undefined) dateStyles.set(style, (isDate = styled && isDateNumberFormat(book.styles.getStyleModel(style)?.numFmt)));
      return isDate;
    },
  };
  return { part: sheetPart, name: wanted.name, cells };
}

/** A relationship's target as a path in the archive: relative to `xl/`, or absolute from its root. */
function partPath(target: string): string {
  return target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join('xl', target));
}
