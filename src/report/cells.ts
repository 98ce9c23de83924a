export type CellInput = string | number | boolean | null;

/** Excel refuses longer text in one cell. */
export const MAX_CELL_CHARS = 32_767;

/**
 * A value a spreadsheet could take for a formula or a command (CSV/formula injection): it starts
 * with `=`, `+`, `-`, `@`, a tab or a carriage return.
 */
export function isFormulaShaped(value: unknown): boolean {
  return typeof value === 'string' && isFormulaLead(value.charCodeAt(0));
}

/** Whether text starting with this character (or byte) code is formula-shaped: = + - @ tab CR. */
export function isFormulaLead(first: number): boolean {
  // Compared as codes: this runs for every cell of a report.
  return first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13;
}

/** A value as a cell holds it: numbers and booleans as such, everything else as text, cut to Excel's limit. */
export function cell(value: unknown): CellInput {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 30)}... [cut: ${text.length} characters]` : text;
}
