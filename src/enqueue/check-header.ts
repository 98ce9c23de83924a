import { inputError, optionError } from '../errors.js';
import type { ImportSchema } from '../schema/compile-schema.js';
import { NameIndex } from './header-names.js';

/**
 * The columns the report's Errors sheet puts before a file's own ("Row", "Line", "Problems", or
 * "Row (report)" and so on when the file has such a column): dropped when that sheet is read back.
 */
export const REPORT_COLUMN = /^(Row|Line|Problems)( \(report( \d+)?\))?$/;

/** How the file's columns become the import's. */
export interface HeaderPlan {
  /** Name of each kept column for validation and the target table: a schema property, a --map target, or the header itself. */
  readonly columns: string[];
  /** The file's own header of each kept column, for the report. */
  readonly headers: string[];
  /** Indexes of the file's fields that are kept, or null when all are. */
  readonly keep: number[] | null;
  /** Headers dropped because the schema has no such property (never written anywhere), in file order. */
  readonly ignored: string[];
}

export interface HeaderOptions {
  readonly schema: ImportSchema | null;
  /** Name of the file in messages, and the line of its header. */
  readonly fileName: string;
  readonly line?: number;
  /** Header -> column, for headers no schema property matches (`--map "Header=column"`); with a schema, a property. */
  readonly map?: Readonly<Record<string, string>>;
  /** Headers dropped unless the schema or the map names them. */
  readonly ignore?: RegExp;
}

const quoteList = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ');

/**
 * Turns the file's first record into the import's columns and checks them before any row is
 * queued. A header names the schema property it equals, else the one it equals once case,
 * spaces and punctuation are dropped ("E-mail Address" finds `email_address`), else --map's
 * target, else (without a schema) itself. With a schema, a header that names no property is
 * ignored: a file must not set a column the schema does not offer (an `is_admin` the table
 * has), so only properties are ever written; `"additionalProperties": false` refuses such a file
 * instead. Duplicated headers, two headers naming one column, and required columns that no
 * header names stop the import with what was expected and what was found.
 */
export function planHeader(fields: readonly string[], options: HeaderOptions): HeaderPlan {
  const where = `${options.fileName}: line ${options.line ?? 1}`;
  const headers = fields.map((field, i) => field.trim() || `column_${i + 1}`);
  const schema = options.schema;
  const properties = Object.keys(schema?.properties ?? {});
  const schemaNames = new NameIndex(properties);
  const mapped = mapHeaders(headers, options.map ?? {}, where);
  if (schema) checkMapTargets(mapped, properties);

  const keep: number[] = [];
  const ignored: string[] = [];
  const found: string[] = [];
  headers.forEach((header, i) => {
    const named = mapped.has(i) || schemaNames.find(header) !== undefined;
    if (options.ignore?.test(header) && !mapped.has(i) && !schemaNames.has(header)) return;
    found.push(header);
    if (schema && !named) ignored.push(header);
    else keep.push(i);
  });
  if (schema && ignored.length > 0 && schema.root['additionalProperties'] === false) {
    throw optionError(
      (o) =>
        `${where}: the schema allows no columns but its properties ("additionalProperties": false), and the file has ` +
        `${quoteList(ignored)} besides; expected ${quoteList(properties)} (remove ${ignored.length === 1 ? 'it' : 'them'}, or ${o('map')} "Header=property")`,
      'input',
    );
  }

  const duplicated: string[] = [];
  const firstOf = new Map<string, number>();
  for (const i of keep) {
    const header = headers[i]!;
    if (firstOf.has(header)) duplicated.push(`"${header}" (columns ${firstOf.get(header)! + 1} and ${i + 1})`);
    else firstOf.set(header, i);
  }
  if (duplicated.length > 0) {
    throw inputError(`${where}: duplicated header ${duplicated.join(', ')}; each column needs its own name`);
  }

  const columns = keep.map((i) => mapped.get(i) ?? schemaNames.find(headers[i]!) ?? headers[i]!);
  const owner = new Map<string, number>();
  const clashes: string[] = [];
  columns.forEach((column, k) => {
    const i = keep[k]!;
    const other = owner.get(column);
    if (other === undefined) owner.set(column, i);
    else clashes.push(`headers "${headers[other]}" (column ${other + 1}) and "${headers[i]}" (column ${i + 1}) both name column "${column}"`);
  });
  if (clashes.length > 0) {
    throw optionError((o) => `${where}: ${clashes.join('; ')}; each column needs its own header (rename one, or use ${o('map')} "Header=column")`, 'input');
  }

  if (options.schema) {
    const missing = options.schema.required.filter((name) => !owner.has(name));
    if (missing.length > 0) {
      throw optionError(
        (o) =>
          `${where}: missing required ${missing.length === 1 ? 'column' : 'columns'} ${quoteList(missing)}; ` +
          `expected ${quoteList(properties)}; found ${quoteList(found)} ` +
          `(headers match ignoring case, spaces and punctuation; ${o('map')} "Header=column" names any other)`,
        'input',
      );
    }
  }
  return { columns, headers: keep.map((i) => headers[i]!), keep: keep.length === headers.length ? null : keep, ignored };
}

/** With a schema, --map can only name a property: a mapped column is written, and only properties are. */
function checkMapTargets(mapped: ReadonlyMap<number, string>, properties: readonly string[]): void {
  const known = new Set(properties);
  const strays = [...new Set(mapped.values())].filter((to) => !known.has(to));
  if (strays.length > 0) {
    throw optionError((o) => `${o('map')} onto ${quoteList(strays)}: not ${strays.length === 1 ? 'a property' : 'properties'} of the schema; expected one of ${quoteList(properties)}`);
  }
}

/** --map's headers, found exactly or by key; a header the file lacks is an error. */
function mapHeaders(headers: readonly string[], map: Readonly<Record<string, string>>, where: string): Map<number, string> {
  const index = new NameIndex(headers);
  const mapped = new Map<number, string>();
  const unknown: string[] = [];
  for (const [from, to] of Object.entries(map)) {
    const header = index.find(from.trim());
    if (header === undefined) unknown.push(from);
    else mapped.set(headers.indexOf(header), to);
  }
  if (unknown.length > 0) {
    throw optionError((o) => `${where}: ${o('map')} names ${unknown.length === 1 ? 'a header' : 'headers'} the file does not have: ${quoteList(unknown)}; found ${quoteList(headers)}`, 'input');
  }
  return mapped;
}

export function uniqueColumnIndexes(columns: readonly string[], schema: ImportSchema | null): number[] {
  if (!schema) return [];
  return columns.flatMap((column, i) => (schema.properties[column]?.unique === true ? [i] : []));
}
