import type { SheetCell } from './xlsx-sheet-rows.js';

/** What the sheet's cells refer to: the shared strings and which styles show dates. */
export interface CellContext {
  readonly sharedStrings: readonly unknown[];
  /** True when style `s` has a date or time number format. */
  isDateStyle(style: number): boolean;
  /** The workbook counts days from 1904-01-01 (old Mac workbooks) instead of 1900. */
  readonly date1904: boolean;
}

/** A cell's text, or why the row cannot be imported as the person sees it. */
export type CellReading = { readonly text: string; readonly problem?: undefined } | { readonly text?: undefined; readonly problem: string };

/**
 * The text of a spreadsheet cell as the importer reads it: values, not what the cell displays.
 * Numbers keep Excel's 15 significant digits (no float noise, no thousands separators or
 * currency); dates become ISO 8601 (`2024-03-01`, or `2024-03-01T14:30:00Z` when they have a
 * time, or `14:30:00` for a time alone), so that `format: date` and `date-time` validate them.
 * A formula gives the value saved with it; a formula saved without one (a workbook written by a
 * program that does not calculate), or an error value (#DIV/0!, #N/A), is a problem of the row,
 * named by the cell: importing it as empty would fake a value the person never saw.
 */
export function cellReading(cell: SheetCell, ref: string, context: CellContext): CellReading {
  const value = cell.value;
  if (cell.type === 'e') {
    const error = value ?? '';
    return { problem: cell.formula ? `cell ${ref}: its formula's saved value is the error ${error}` : `cell ${ref} holds the error ${error}` };
  }
  if (value === null || (value === '' && cell.type !== 'str' && cell.type !== 'inlineStr' && cell.type !== 's')) {
    if (!cell.formula) return { text: '' };
    return { problem: `cell ${ref} is a formula without a saved value${cell.formulaText ? ` (=${cell.formulaText})` : ''}` };
  }
  switch (cell.type) {
    case 's': {
      const index = Number(value);
      const shared = Number.isInteger(index) ? context.sharedStrings[index] : undefined;
      if (shared === undefined) return { problem: `cell ${ref} refers to shared string ${value}, which the workbook does not have` };
      return { text: sharedText(shared) };
    }
    case 'str':
    case 'inlineStr':
    case 'd': // an ISO 8601 date already (strict OOXML)
      return { text: value };
    case 'b':
      return { text: value.trim() === '0' ? 'false' : 'true' };
    default: {
      const n = Number(value);
      if (value.trim() === '' || Number.isNaN(n)) return { text: value };
      return { text: context.isDateStyle(cell.style) ? dateText(serialToDate(n, context.date1904)) : numberText(n) };
    }
  }
}

/** A shared string as exceljs keeps it: text, or rich text runs. */
function sharedText(shared: unknown): string {
  if (typeof shared === 'string') return shared;
  if (shared === null) return '';
  if (typeof shared === 'object' && Array.isArray((shared as { richText?: unknown }).richText)) {
    return ((shared as { richText: { text?: unknown }[] }).richText).map((run) => (typeof run.text === 'string' ? run.text : '')).join('');
  }
  return String(shared);
}

export function numberText(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return String(Number(n.toPrecision(15)));
}

/** Excel's serial day number as a date. */
function serialToDate(serial: number, date1904: boolean): Date {
  // 1904-01-01 is day 1462 of the 1900 system.
  return new Date(Math.round((serial + (date1904 ? 1462 : 0) - 25569) * 86_400_000));
}

function dateText(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) return '';
  const iso = new Date(Math.round(time / 1000) * 1000).toISOString(); // whole seconds: serials carry float noise
  const day = iso.slice(0, 10);
  const clock = iso.slice(11, 19);
  // A time alone is a fraction of a day from Excel's epoch (1899-12-30, or 1904-01-01).
  if (day === '1899-12-30' || day === '1904-01-01') return clock;
  if (clock === '00:00:00') return day;
  return `${day}T${clock}Z`;
}

/** A number format that shows a date or a time (d, m, y, h, s outside quotes, brackets and escapes). */
export function isDateNumberFormat(format: string | undefined): boolean {
  if (!format || format === 'General' || format === '@') return false;
  const bare = format.replace(/"[^"]*"|\[[^\]]*\]|\\.|_.|\*./g, '');
  return /[dmyhs]/i.test(bare) && !/^[#0.,%E+\-\s]*$/.test(bare);
}
