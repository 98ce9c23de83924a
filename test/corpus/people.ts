/**
 * The people every corpus file holds, in whatever dialect, encoding or format: the expected
 * outcome of each file is derived from these rows.
 */

/** The file's own header; "E-mail Address" must find the schema's `email_address`. */
export const HEADER = ['id', 'name', 'E-mail Address', 'age', 'born', 'plan', 'active'];
/** The columns the import resolves them to. */
export const COLUMNS = ['id', 'name', 'email_address', 'age', 'born', 'plan', 'active'];

/** Data rows as text; `\n` inside a value is a line break within a quoted field. */
export const ROWS: readonly (readonly string[])[] = [
  ['1', 'Zoë Ångström', 'zoe@example.com', '31', '1993-02-28', 'pro', 'yes'],
  ['2', "O'Brien, Seán", 'sean@example.com', '', '', 'free', 'no'],
  ['3', 'Émile "Mimi" Dupré', 'emile@example.com', '44', '1980-12-01', '', 'true'],
  ['4', 'Anna Müller\nsecond line', 'anna@example.com', '150', '2000-01-01', 'pro', '0'],
  ['5', 'Bad Row', 'not-an-email', '151', '31/12/2020', 'gold', 'maybe'],
  ['6', '', 'nobody@example.com', '20', '', 'free', 'yes'],
  ['1', 'Zoë Again', 'zoe2@example.com', '30', '', 'pro', 'yes'],
];

/** A blank line follows this data row (1-based) in the CSV files: blank lines are skipped. */
export const BLANK_AFTER_ROW = 2;

/** Row -> every message it must fail with, in the schema's column order. */
export const EXPECTED_ERRORS: ReadonlyMap<number, readonly string[]> = new Map([
  [
    5,
    [
      'email_address must be a valid email address',
      'age must be a whole number from 0 to 150',
      'born must be a date as YYYY-MM-DD',
      'plan must be one of: free, pro',
      'active must be yes or no (yes/no, true/false, 1/0)',
    ],
  ],
  [6, ['name is required']],
  [7, ['id repeats a value already used earlier in the file (first in row 1)']],
]);

/** The rows saved to the database, typed as SQLite returns them (booleans as 0/1). */
export function expectedSaved(lineBreak: string, rows: readonly (readonly string[])[] = ROWS): Record<string, unknown>[] {
  const cell = (v: string): string | null => (v === '' ? null : v.replace(/\n/g, lineBreak));
  return rows.slice(0, 4).map((r) => ({
    id: Number(r[0]),
    name: cell(r[1]!),
    email_address: cell(r[2]!),
    age: r[3] === '' ? null : Number(r[3]),
    born: cell(r[4]!),
    plan: cell(r[5]!),
    active: ['yes', 'true', '1'].includes(r[6]!) ? 1 : 0,
  }));
}

/**
 * Line of the file where each data row starts: the header is line 1, the blank line after
 * BLANK_AFTER_ROW takes one, and a value with a line break takes two.
 */
export function expectedLines(): number[] {
  const lines: number[] = [];
  let line = 2;
  ROWS.forEach((row, i) => {
    lines.push(line);
    line += 1 + row.join('').split('\n').length - 1;
    if (i + 1 === BLANK_AFTER_ROW) line++;
  });
  return lines;
}

/** One CSV record; fields quoted when they hold the separator, a quote or a line break. */
export function csvRecord(fields: readonly string[], delimiter: string, lineBreak: string): string {
  return fields
    .map((f) => {
      const value = f.replace(/\n/g, lineBreak);
      return value.includes(delimiter) || /["\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
    })
    .join(delimiter);
}

/** The whole CSV text: header, rows, the blank line, a final line break. */
export function csvText(header: readonly string[], delimiter: string, lineBreak: string, rows: readonly (readonly string[])[] = ROWS): string {
  const lines = [csvRecord(header, delimiter, lineBreak)];
  rows.forEach((row, i) => {
    lines.push(csvRecord(row, delimiter, lineBreak));
    if (i + 1 === BLANK_AFTER_ROW) lines.push('');
  });
  return lines.join(lineBreak) + lineBreak;
}
