import { errorMessage } from '../errors.js';
import { booleanFromWord } from './boolean-words.js';
import type { ImportSchema, PropertySchema } from './compile-schema.js';
import { compileFastRowCheck, type RowWritten } from './fast-row-check.js';
import { describeErrors } from './messages.js';

export type CellValue = string | number | boolean | null;

export type RowCheck =
  /** `written`: the values are the fields' own text, booleans aside (see RowWritten); false when unsure. */
  | { readonly ok: true; readonly values: CellValue[]; readonly written: boolean }
  | { readonly ok: false; readonly messages: string[] };

export type RowValidator = (fields: readonly string[]) => RowCheck;

function isBooleanColumn(schema: PropertySchema | undefined): boolean {
  const t = schema?.type;
  return t === 'boolean' || (Array.isArray(t) && t.includes('boolean'));
}

/**
 * Builds the check of one row against the import's schema. CSV cells are text: an empty cell
 * counts as absent, and the rest is coerced to the declared types (booleans also from yes/no).
 * Returns the row's values in column order, typed, or every message that applies. `fastPath:
 * false` sends every row through ajv (the tests compare both).
 */
export function createRowValidator(
  columns: readonly string[],
  schema: ImportSchema | null,
  options: {
    readonly fastPath?: boolean;
    /** The file header's width, when it has columns the import ignores. */
    readonly headerWidth?: number;
    /** The rows passed this schema before: their text cells are not checked again (FastRowCheckOptions). */
    readonly trusted?: boolean;
  } = {},
): RowValidator {
  // Per column index, not per name: the check runs for every row.
  const isBoolean = columns.map((c) => isBooleanColumn(schema?.properties[c]));
  const width = columns.length;
  // Rows it is sure of skip ajv; the others (invalid ones among them) get ajv's verdict and words.
  const fast = schema && options.fastPath !== false ? compileFastRowCheck(columns, schema.root, schema.format, { trusted: options.trusted }) : null;

  const found: RowWritten = { written: false };
  return (fields) => {
    if (fast) {
      const values = fast(fields, found);
      if (values) return { ok: true, values, written: found.written };
    }
    if (fields.length !== width) {
      return { ok: false, messages: [raggedMessage(fields.length, width, options.headerWidth ?? width)] };
    }
    if (!schema) {
      return { ok: true, values: fields.map((f) => (f === '' ? null : f)), written: true };
    }
    const row: Record<string, unknown> = {};
    for (let i = 0; i < width; i++) {
      const field = fields[i]!;
      if (field === '') continue;
      if (isBoolean[i]) {
        row[columns[i]!] = booleanFromWord(field) ?? field;
      } else {
        row[columns[i]!] = field;
      }
    }
    try {
      if (!schema.validate(row)) {
        return { ok: false, messages: describeErrors(schema.validate.errors ?? [], schema.properties) };
      }
    } catch (err) {
      // A schema whose own code throws (a bad regex engine case, say) fails this row, not the worker.
      return { ok: false, messages: [`row could not be checked: ${errorMessage(err)}`] };
    }
    const values = new Array<CellValue>(width);
    for (let i = 0; i < width; i++) values[i] = toCell(row[columns[i]!]);
    return { ok: true, values, written: false };
  };
}

function toCell(value: unknown): CellValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/**
 * A row whose width is not the header's. With ignored columns the row arrives projected: one
 * past the header still says its own count (values past it are kept), a short one cannot.
 */
function raggedMessage(count: number, width: number, headerWidth: number): string {
  if (headerWidth === width || count > width) {
    const own = count - width + headerWidth;
    return `row has ${own} ${own === 1 ? 'value' : 'values'} but the header has ${headerWidth} columns`;
  }
  return `row has fewer values than the header's ${headerWidth} columns`;
}
