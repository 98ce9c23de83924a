import { fullFormats } from 'ajv-formats/dist/formats.js';
import { checkedColumns, isDigit, isRealDay, isRecord, type CompiledColumn, type FormatLookup } from './fast-row-check.js';
import { plainNumberBytes } from './plain-number.js';
import { compileBytePattern } from './byte-pattern.js';

/**
 * Checks rows on their UTF-8 bytes where they lie in a chunk, without a string per row or field,
 * for a target that can take such rows as the file wrote them (COPY's CSV: see copy-text.ts).
 * It answers only "certainly valid, and sent as written gives the database the values the check
 * would give": every row it is not sure of (invalid ones among them) goes the usual way, split
 * into strings and checked by the fast check or ajv, which decide and word the errors. So it
 * must never say yes where that way would say no or send other values; saying no is always safe.
 *
 * Why: splitting each row into strings, checking them and collecting them afterwards was about
 * half of a worker's CPU on a PostgreSQL import (node --cpu-prof).
 */
export interface ByteRowCheck {
  /** Fields of a row it checks. */
  readonly width: number;
  /**
   * Whether the row whose field f is `data[starts[f], ends[f])` (without its quotes when
   * `quoted[f]`; `escaped[f]` when it holds `""`) is certainly valid and written as the target
   * reads the checked values.
   */
  passes(data: Uint8Array, starts: Int32Array, ends: Int32Array, quoted: Uint8Array, escaped: Uint8Array): boolean;
}

/** What the target's columns read as the checked values, for fields sent as written. */
export interface ColumnsAsWritten {
  /**
   * Per column, the boolean words it reads as the value written (a COPY into a boolean column
   * reads yes, on, true... itself); null for a column that does not (a boolean field must then be
   * rebuilt as the checked value, which the usual way does).
   */
  readonly booleanWords: readonly (ReadonlyMap<string, boolean> | null)[];
  /**
   * Per column, whether it reads a decimal number as the nearest double, as JavaScript does
   * (double precision): then `12.50` or `007.5` need not be rebuilt as the number's own text.
   */
  readonly decimals: readonly boolean[];
}

type FieldCheck = (data: Uint8Array, start: number, end: number, escaped: boolean) => boolean;

const decoder = new TextDecoder('utf-8', { fatal: false });
/** Fields up to this long are read a byte at a time when ASCII (cheaper than a decoder call). */
const SHORT_FIELD = 24;

/** A field's text: its bytes as UTF-8, `""` read as `"` when escaped. */
function fieldText(data: Uint8Array, start: number, end: number, escaped: boolean): string {
  if (!escaped && end - start <= SHORT_FIELD) {
    let text = '';
    let i = start;
    for (; i < end; i++) {
      const c = data[i]!;
      if (c >= 0x80) break;
      text += String.fromCharCode(c);
    }
    if (i === end) return text;
  }
  const text = decoder.decode(data.subarray(start, end));
  return escaped ? text.replaceAll('""', '"') : text;
}

/** Characters in valid UTF-8 (a pair of surrogates counts one, as ajv counts): bytes that do not continue one. */
function characters(data: Uint8Array, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end; i++) if ((data[i]! & 0xc0) !== 0x80) count++;
  return count;
}

/** isFullDate (fast-row-check.ts) on bytes: YYYY-MM-DD, a real day of a real month. */
export function isFullDateBytes(data: Uint8Array, start: number, end: number): boolean {
  if (end - start !== 10 || data[start + 4] !== 45 || data[start + 7] !== 45) return false;
  let year = 0;
  for (let i = start; i < start + 4; i++) {
    const c = data[i]!;
    if (!isDigit(c)) return false;
    year = year * 10 + c - 48;
  }
  const m1 = data[start + 5]!;
  const m2 = data[start + 6]!;
  const d1 = data[start + 8]!;
  const d2 = data[start + 9]!;
  if (!isDigit(m1) || !isDigit(m2) || !isDigit(d1) || !isDigit(d2)) return false;
  return isRealDay(year, (m1 - 48) * 10 + m2 - 48, (d1 - 48) * 10 + d2 - 48);
}

/** Bytes of an email's local part in ajv-formats' full `email` (letters either case, digits, and these). */
const LOCAL = new Uint8Array(256);
const LABEL = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[a-z0-9]/i.test(ch)) {
    LOCAL[c] = 1;
    LABEL[c] = 1;
  }
  if ("!#$%&'*+/=?^_`{|}~-".includes(ch)) LOCAL[c] = 1;
}
const DOT = 46;
const AT = 64;
const HYPHEN = 45;

/**
 * ajv-formats' full `email` pattern on bytes: atoms of LOCAL bytes joined by single dots, `@`, then
 * two labels or more joined by dots, each of letters, digits and inner hyphens. A byte beyond ASCII
 * never matches (the pattern's classes are ASCII, and its `i` flag without `u` folds no other
 * character into them). A unit test compares it with the pattern.
 */
export function isFullEmailBytes(data: Uint8Array, start: number, end: number): boolean {
  let i = start;
  // The local part.
  for (;;) {
    const atomStart = i;
    while (i < end && LOCAL[data[i]!] === 1) i++;
    if (i === atomStart || i === end) return false;
    if (data[i] === AT) break;
    if (data[i] !== DOT) return false;
    i++;
  }
  i++; // past @
  let labels = 0;
  for (;;) {
    const labelStart = i;
    while (i < end && (LABEL[data[i]!] === 1 || data[i] === HYPHEN)) i++;
    if (i === labelStart || data[labelStart] === HYPHEN || data[i - 1] === HYPHEN) return false;
    labels++;
    if (i === end) return labels >= 2;
    if (data[i] !== DOT) return false;
    i++;
  }
}

const constraintKeys = ['minLength', 'maxLength', 'pattern', 'format', 'enum'] as const;

function textCheck(property: Record<string, unknown>, column: CompiledColumn, formats: FormatLookup): FieldCheck {
  const check = column.check;
  if (check === null) return () => true;
  const present = constraintKeys.filter((k) => property[k] !== undefined);
  const minLength = typeof property['minLength'] === 'number' ? property['minLength'] : undefined;
  const maxLength = typeof property['maxLength'] === 'number' ? property['maxLength'] : undefined;
  const lengthOk = (data: Uint8Array, start: number, end: number): boolean => {
    const bytes = end - start;
    // Characters are between a quarter of the bytes and all of them.
    if ((minLength === undefined || bytes >= 4 * minLength) && (maxLength === undefined || bytes <= maxLength)) return true;
    const count = characters(data, start, end);
    return (minLength === undefined || count >= minLength) && (maxLength === undefined || count <= maxLength);
  };
  const decoded: FieldCheck = (data, start, end, escaped) => check(fieldText(data, start, end, escaped)) !== undefined;
  const others = present.filter((k) => k !== 'minLength' && k !== 'maxLength');
  if (others.length === 0) return (data, start, end, escaped) => (escaped ? decoded(data, start, end, escaped) : lengthOk(data, start, end));
  let onBytes: ((data: Uint8Array, start: number, end: number) => boolean) | null = null;
  if (others.length === 1 && others[0] === 'format') {
    const format = formats(property['format'] as string);
    onBytes = format === fullFormats.date ? isFullDateBytes : format === fullFormats.email ? isFullEmailBytes : null;
  } else if (others.length === 1 && others[0] === 'pattern' && typeof property['pattern'] === 'string') {
    onBytes = compileBytePattern(property['pattern']);
  }
  if (!onBytes) return decoded;
  const matches = onBytes;
  // Not matched on the bytes (another value, or text beyond ASCII): the text decides.
  return (data, start, end, escaped) => (!escaped && matches(data, start, end) ? lengthOk(data, start, end) : decoded(data, start, end, escaped));
}

function numberCheck(column: CompiledColumn, decimals: boolean): FieldCheck {
  const numberOk = column.numberOk!;
  // A number written as JavaScript writes it goes as written (copyField's text of the value); into
  // a column that reads decimals as doubles, so does any plain decimal.
  return (data, start, end, escaped) => {
    if (escaped) return false;
    const value = decimals ? decimalBytes(data, start, end) : plainNumberBytes(data, start, end);
    return value !== undefined && numberOk(value);
  };
}

/** Exact powers of ten up to 10^22 (a double holds them exactly). */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Digits at most: their integer is below 2^53. */
const MAX_DIGITS = 15;

/**
 * A decimal number written with digits, an optional minus and an optional point between digits
 * (`-12.50`, `007`), as JavaScript's `+text` reads it: at most 15 digits make an integer below
 * 2^53, and one division by an exact power of ten rounds correctly (Clinger's fast path), which is
 * what strtod (PostgreSQL's float8in) gives too. Undefined for anything else, and for minus zero
 * (which copyField would write as 0).
 */
export function decimalBytes(data: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  const negative = data[i] === 45;
  if (negative) i++;
  let n = 0;
  let digits = 0;
  let decimals = -1;
  for (; i < end; i++) {
    const c = data[i]!;
    if (c === 46) {
      if (decimals >= 0 || digits === 0) return undefined;
      decimals = 0;
      continue;
    }
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
    if (++digits > MAX_DIGITS) return undefined;
    if (decimals >= 0) decimals++;
  }
  if (digits === 0 || decimals === 0 || (negative && n === 0)) return undefined;
  const value = decimals > 0 ? n / POWERS_OF_TEN[decimals]! : n;
  return negative ? -value : value;
}

/** Boolean words (at most this long) are looked up by their bytes as one number. */
const BOOLEAN_WORD_BYTES = 6;

function wordKey(data: Uint8Array, start: number, end: number): number {
  let key = 0;
  for (let i = start; i < end; i++) key = key * 256 + data[i]!;
  return key * 8 + (end - start);
}

function booleanCheck(column: CompiledColumn, wordsRead: ReadonlyMap<string, boolean>): FieldCheck {
  // The words both the check and the target read as the same value.
  const accepted = new Set<number>();
  for (const [word, value] of wordsRead) {
    const bytes = Buffer.from(word, 'latin1');
    if (bytes.length > BOOLEAN_WORD_BYTES || !/^[\x21-\x7e]+$/.test(word)) continue;
    if (column.check?.(word) === value) accepted.add(wordKey(bytes, 0, bytes.length));
  }
  return (data, start, end, escaped) => !escaped && end - start <= BOOLEAN_WORD_BYTES && accepted.has(wordKey(data, start, end));
}

/**
 * The byte check of rows of `columns` under the schema's root (null: no schema, every field text),
 * for a target whose columns read fields as `read` says. Null when the schema is
 * beyond the fast check (then ajv checks every row, from strings).
 */
export function compileByteRowCheck(columns: readonly string[], root: unknown | null, formats: FormatLookup, read: ColumnsAsWritten): ByteRowCheck | null {
  const compiled = checkedColumns(columns, root ?? {}, formats);
  if (compiled === null) return null;
  const properties = isRecord(root) && isRecord(root['properties']) ? root['properties'] : {};
  const checks: FieldCheck[] = [];
  for (let c = 0; c < columns.length; c++) {
    const column = compiled[c]!;
    const property = Object.prototype.hasOwnProperty.call(properties, columns[c]!) ? properties[columns[c]!] : undefined;
    if (column.kind === 'number') checks.push(numberCheck(column, read.decimals[c] === true));
    else if (column.kind === 'boolean') {
      const words = read.booleanWords[c];
      checks.push(words ? booleanCheck(column, words) : () => false);
    } else checks.push(textCheck(isRecord(property) ? property : {}, column, formats));
  }
  const required = compiled.map((column) => column.required);
  const width = columns.length;
  return {
    width,
    passes(data, starts, ends, quoted, escaped) {
      for (let f = 0; f < width; f++) {
        const start = starts[f]!;
        const end = ends[f]!;
        if (start === end) {
          // Empty: no value. COPY reads an empty quoted field as empty text, not as no value.
          if (required[f] || quoted[f] === 1) return false;
          continue;
        }
        if (!checks[f]!(data, start, end, escaped[f] === 1)) return false;
      }
      return true;
    },
  };
}
