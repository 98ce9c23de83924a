import ucs2lengthModule from 'ajv/dist/runtime/ucs2length.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { plainNumber } from './plain-number.js';
import { booleanFromWord } from './boolean-words.js';
import type { CellValue } from './row-validator.js';
import { compileLinearRegExp, type LinearRegExp } from './linear-regexp.js';

/**
 * A row's typed values when the row certainly passes the schema, else null (the row may be
 * invalid, or the check cannot tell): then ajv checks the row and words its errors. With `out`,
 * also says whether the row's values are written as its fields' own text (RowWritten).
 */
export type FastRowCheck = (fields: readonly string[], out?: RowWritten) => CellValue[] | null;

/**
 * `written`: every value that is not a boolean is its field's own text: null for an empty field,
 * the field itself for text, and for a number a field JavaScript writes back the same
 * (plainNumber). A COPY can then send the row as the file wrote it, checking only its booleans.
 */
export interface RowWritten {
  written: boolean;
}

/** A string format as ajv holds it (`ajv.formats[name]`), or undefined for an unknown one. */
export type FormatLookup = (name: string) => unknown;

type ValueCheck = (field: string) => CellValue | undefined;
/** A number column's check, with the part that judges the number once read. */
type NumberCheck = ValueCheck & { numberOk?: (value: number) => boolean };

// ajv's runtime helpers ship as CommonJS: the function is the module's default export.
type Ucs2Length = (text: string) => number;
const ucs2length: Ucs2Length =
  (ucs2lengthModule as unknown as { default?: Ucs2Length }).default ?? (ucs2lengthModule as unknown as Ucs2Length);

/** Keywords that say nothing about validity (annotations and the importer's own). */
const ANNOTATIONS = new Set(['title', 'description', '$comment', 'examples', 'default', 'readOnly', 'writeOnly', 'deprecated', 'unique', 'errorMessage']);
const PROPERTY_KEYWORDS = new Set([
  ...ANNOTATIONS,
  'type',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'enum',
]);
const ROOT_KEYWORDS = new Set([...ANNOTATIONS, '$schema', '$id', 'type', 'properties', 'required', 'additionalProperties']);
const NUMERIC = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']);
const TEXTUAL = new Set(['minLength', 'maxLength', 'pattern', 'format']);

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The column's one type: a string, or an array of one type and "null" (an empty cell is absent,
 * never null). Undefined for no type; null for a type this check does not handle.
 */
function singleType(type: unknown): string | undefined | null {
  if (type === undefined) return undefined;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) {
    const others = type.filter((t) => t !== 'null');
    if (others.length === 1 && typeof others[0] === 'string' && type.length <= 2) return others[0];
  }
  return null;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Where YYYY-MM-DD has its digits. */
const DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];
export const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const digits = (text: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
};

/**
 * ajv-formats' `date` (YYYY-MM-DD, a real day of a real month) without its regex and string
 * slices: the same verdict on every string (a unit test compares them).
 */
export function isFullDate(text: string): boolean {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  for (let k = 0; k < DATE_DIGITS.length; k++) if (!isDigit(text.charCodeAt(DATE_DIGITS[k]!))) return false;
  return isRealDay(digits(text, 0, 4), digits(text, 5, 7), digits(text, 8, 10));
}

/** Whether day `day` of month `month` (1-12) of `year` exists. */
export function isRealDay(year: number, month: number, day: number): boolean {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month >= 1 && month <= 12 && day >= 1 && day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month]!);
}

/** A string format's test, as ajv runs it; null when ajv would not run it this way. */
function formatTest(format: unknown, formats: FormatLookup): ((text: string) => boolean) | null {
  if (typeof format !== 'string') return null;
  const found = formats(format);
  if (found === fullFormats.date) return isFullDate;
  if (found === true) return () => true;
  if (found instanceof RegExp) return (text) => found.test(text);
  if (typeof found === 'function') return (text) => (found as (t: string) => boolean)(text) === true;
  if (isRecord(found) && !found['async'] && (found['type'] === undefined || found['type'] === 'string')) {
    const validate = found['validate'];
    if (validate instanceof RegExp) return (text) => validate.test(text);
    if (typeof validate === 'function') return (text) => (validate as (t: string) => boolean)(text) === true;
  }
  return null;
}

function bound(value: unknown): number | null | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * The check of one column's non-empty cell: its value as ajv (with coerceTypes) would leave it,
 * or undefined when ajv might refuse it. Null when the column's schema is beyond this check.
 */
function columnCheck(property: unknown, formats: FormatLookup, row: RowWritten, trusted: boolean): ValueCheck | null {
  if (property === true || property === undefined) return (field) => field;
  if (!isRecord(property)) return null;
  const keywords = Object.keys(property);
  if (!keywords.every((keyword) => PROPERTY_KEYWORDS.has(keyword))) return null;
  const type = singleType(property['type']);
  if (type === null) return null;

  let enumValues: Set<unknown> | null = null;
  if (property['enum'] !== undefined) {
    const list = property['enum'];
    if (!Array.isArray(list) || !list.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) return null;
    enumValues = new Set(list);
  }
  const inEnum = (value: CellValue): boolean => enumValues === null || enumValues.has(value);

  if (type === 'boolean') {
    if (keywords.some((k) => NUMERIC.has(k) || TEXTUAL.has(k))) return null;
    return (field) => {
      const value = booleanFromWord(field);
      return value !== undefined && inEnum(value) ? value : undefined;
    };
  }

  if (type === 'integer' || type === 'number') {
    // The cell becomes a number: text keywords do not apply; formats of numbers are left to ajv.
    if (property['format'] !== undefined) return null;
    const min = bound(property['minimum']);
    const max = bound(property['maximum']);
    const exclusiveMin = bound(property['exclusiveMinimum']);
    const exclusiveMax = bound(property['exclusiveMaximum']);
    if (min === null || max === null || exclusiveMin === null || exclusiveMax === null) return null;
    const integer = type === 'integer';
    const numberOk = (value: number): boolean => {
      if (!Number.isFinite(value) || (integer && value % 1 !== 0)) return false;
      if (min !== undefined && value < min) return false;
      if (max !== undefined && value > max) return false;
      if (exclusiveMin !== undefined && value <= exclusiveMin) return false;
      if (exclusiveMax !== undefined && value >= exclusiveMax) return false;
      return inEnum(value);
    };
    const check: NumberCheck = (field) => {
      // ajv's coercion: a string `s` with `s == +s` becomes `+s`. Infinity and NaN are left to ajv.
      const plain = plainNumber(field);
      if (plain === undefined) row.written = false;
      const value = plain ?? +field;
      return numberOk(value) ? value : undefined;
    };
    check.numberOk = numberOk;
    return check;
  }

  if (type !== undefined && type !== 'string') return null;
  // A string, or no type (the cell stays text): text keywords apply, number keywords do not.
  // A row known to be valid keeps its text as it is: they need not be checked again.
  if (trusted) return (field) => field;
  const minLength = bound(property['minLength']);
  const maxLength = bound(property['maxLength']);
  if (minLength === null || maxLength === null) return null;
  let pattern: LinearRegExp | null = null;
  if (property['pattern'] !== undefined) {
    if (typeof property['pattern'] !== 'string') return null;
    // The same engine as ajv's (compile-schema.ts): the same verdicts, and linear time.
    try {
      pattern = compileLinearRegExp(property['pattern']);
    } catch {
      return null;
    }
  }
  const format = property['format'] === undefined ? null : formatTest(property['format'], formats);
  if (property['format'] !== undefined && format === null) return null;
  return (field) => {
    // ajv counts characters (a surrogate pair is one): between half the UTF-16 length and all
    // of it, so most fields need no count.
    if ((minLength !== undefined && field.length < 2 * minLength) || (maxLength !== undefined && field.length > maxLength)) {
      const length = ucs2length(field);
      if (minLength !== undefined && length < minLength) return undefined;
      if (maxLength !== undefined && length > maxLength) return undefined;
    }
    if (pattern !== null && !pattern.test(field)) return undefined;
    if (format !== null && !format(field)) return undefined;
    return inEnum(field) ? field : undefined;
  };
}

export interface FastRowCheckOptions {
  /**
   * The rows passed the schema before (a report reading imported rows back): only their types
   * are wanted, and text cells are not checked again (patterns, formats, lengths, enums).
   */
  readonly trusted?: boolean;
}

/**
 * Builds a check of rows that ajv would pass, for schemas made of the common keywords (types,
 * bounds, lengths, patterns, string formats, enums of plain values, required). It only says "valid,
 * with these values": any row it is not sure of goes to ajv, which decides and words the errors,
 * so the messages and the verdicts stay ajv's. Returns null when the schema uses anything else
 * (then every row goes to ajv).
 *
 * Why: ajv validates an object built per row; checking each column's text directly, and leaving
 * only the rows it is unsure of to ajv, costs markedly less CPU per row (node --cpu-prof).
 */
export function compileFastRowCheck(columns: readonly string[], root: unknown, formats: FormatLookup, options: FastRowCheckOptions = {}): FastRowCheck | null {
  // What the value checks found of the row being checked (numbers not written plainly).
  const row: RowWritten = { written: true };
  const compiled = compileColumns(columns, root, formats, row, options.trusted === true);
  if (compiled === null) return null;
  const checks = compiled.map((column) => column.check);
  const isRequired = compiled.map((column) => column.required);
  const width = columns.length;
  return (fields, out) => {
    if (fields.length !== width) return null;
    row.written = true;
    const values = new Array<CellValue>(width);
    for (let i = 0; i < width; i++) {
      const field = fields[i]!;
      if (field === '') {
        if (isRequired[i]) return null;
        values[i] = null;
        continue;
      }
      const check = checks[i];
      if (check === null || check === undefined) {
        values[i] = field;
        continue;
      }
      const value = check(field);
      if (value === undefined) return null;
      values[i] = value;
    }
    if (out) out.written = row.written;
    return values;
  };
}

/** What a column's cells become once checked. */
export type ColumnKind = 'text' | 'number' | 'boolean';

/** One column as the fast check reads it. */
export interface CompiledColumn {
  readonly kind: ColumnKind;
  readonly required: boolean;
  /** A non-empty cell's value, or undefined when ajv must decide; null: the cell is its text. */
  readonly check: ValueCheck | null;
  /** For a number column: whether a number read from a cell is one the check passes. */
  readonly numberOk: ((value: number) => boolean) | null;
}

/**
 * The columns of rows that passed the schema before (see FastRowCheckOptions.trusted), as the
 * trusted fast check reads them; null when the schema is beyond it (ajv would decide). A report
 * renders imported rows' cells from these without building the rows (src/report/imported-xml.ts).
 */
export function trustedColumns(columns: readonly string[], root: unknown, formats: FormatLookup): CompiledColumn[] | null {
  return compileColumns(columns, root, formats, { written: true }, true);
}

/**
 * The columns as the fast check reads rows not checked before (every keyword applies); null when
 * the schema is beyond it. A worker checks rows on their bytes with these (byte-row-check.ts).
 * Their number checks are not to be called (they note how a number is written elsewhere): use
 * `numberOk`.
 */
export function checkedColumns(columns: readonly string[], root: unknown, formats: FormatLookup): CompiledColumn[] | null {
  return compileColumns(columns, root, formats, { written: true }, false);
}

function propertyKind(property: unknown): ColumnKind {
  const type = isRecord(property) ? singleType(property['type']) : undefined;
  return type === 'boolean' ? 'boolean' : type === 'integer' || type === 'number' ? 'number' : 'text';
}

function compileColumns(columns: readonly string[], root: unknown, formats: FormatLookup, row: RowWritten, trusted: boolean): CompiledColumn[] | null {
  if (!isRecord(root)) return null;
  for (const keyword of Object.keys(root)) if (!ROOT_KEYWORDS.has(keyword)) return null;
  if (root['type'] !== undefined && root['type'] !== 'object') return null;
  const properties = root['properties'] ?? {};
  if (!isRecord(properties)) return null;
  const required = root['required'] ?? [];
  if (!Array.isArray(required) || !required.every((name) => typeof name === 'string')) return null;
  // A required column the file lacks fails every row: ajv says so.
  if (!required.every((name) => columns.includes(name as string))) return null;
  const additional = root['additionalProperties'];
  if (additional !== undefined && additional !== true) {
    if (additional !== false || !columns.every((c) => Object.prototype.hasOwnProperty.call(properties, c))) return null;
  }
  // A column named twice in the header: the row object keeps the last cell; ajv sees only that.
  if (new Set(columns).size !== columns.length) return null;

  const compiled: CompiledColumn[] = [];
  for (const column of columns) {
    const property = Object.prototype.hasOwnProperty.call(properties, column) ? properties[column] : undefined;
    const check = columnCheck(property, formats, row, trusted);
    if (check === null) return null;
    const numberOk = (check as NumberCheck).numberOk ?? null;
    compiled.push({ kind: propertyKind(property), required: required.includes(column), check: property === undefined ? null : check, numberOk });
  }
  return compiled;
}
