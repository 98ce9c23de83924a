import type ExcelJS from 'exceljs';

export type CellInput = string | number | boolean | null;

/** Excel refuses longer text in one cell. */
const MAX_CELL_CHARS = 32_767;
/** Excel's "Text" number format: what is typed into such a cell stays text, never a formula. */
const TEXT_FORMAT = '@';

/**
 * A value a spreadsheet could take for a formula or a command (CSV/formula injection): it starts
 * with `=`, `+`, `-`, `@`, a tab or a carriage return.
 */
export function isFormulaShaped(value: unknown): boolean {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value);
}

/** A value as a cell holds it: numbers and booleans as such, everything else as text, cut to Excel's limit. */
export function cell(value: unknown): CellInput {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 30)}... [cut: ${text.length} characters]` : text;
}

/**
 * Adds and commits a row whose every value is written as a plain value: exceljs writes a string
 * as a string cell (never a formula), and a formula-shaped string also gets the Text format so
 * that editing it in Excel keeps it text. Columns from `textFrom` on get the Text format
 * whatever they hold (the Errors sheet's original values, which a person corrects in place:
 * "00123" typed there stays "00123").
 */
export function addSafeRow(sheet: ExcelJS.Worksheet, values: readonly CellInput[], textFrom = Infinity): ExcelJS.Row {
  const row = sheet.addRow([...values]);
  values.forEach((value, i) => {
    if (i >= textFrom || isFormulaShaped(value)) row.getCell(i + 1).numFmt = TEXT_FORMAT;
  });
  return row;
}
