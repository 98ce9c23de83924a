import type { CellValue } from '../schema/row-validator.js';

/** Text that must be quoted in COPY's CSV: separators, quotes, line breaks, and `\\.` (the end-of-data line). */
const NEEDS_QUOTES = /[",\r\n\\]/;

/**
 * One value as a CSV field for COPY: NULL is an empty unquoted field, so empty text is quoted;
 * other text only when it holds a separator, quote, line break or backslash (PostgreSQL keeps
 * unquoted CSV values as they are, spaces included).
 */
export function copyField(value: CellValue): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  if (value !== '' && !NEEDS_QUOTES.test(value)) return value;
  return `"${value.includes('"') ? value.replaceAll('"', '""') : value}"`;
}

/** Rows `start` to `end` (default: all) as COPY's CSV text, a line each. */
export function copyText(rows: readonly (readonly CellValue[])[], start = 0, end = rows.length): string {
  let text = '';
  for (let i = start; i < end; i++) {
    const row = rows[i]!;
    let line = copyField(row[0] ?? null);
    for (let c = 1; c < row.length; c++) line += ',' + copyField(row[c]!);
    text += line + '\n';
  }
  return text;
}
