export type CellInput = string | number | boolean | null;

/** Excel refuses longer text in one cell. */
const MAX_CELL_CHARS = 32_767;

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
