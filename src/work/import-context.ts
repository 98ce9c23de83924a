import type { ImportRecord } from '../import-record.js';
import { importKeys, type ImportKeys } from '../redis/keys.js';
import { compileSchema, type ImportSchema, type PropertySchema } from '../schema/compile-schema.js';
import { createRowValidator, type RowValidator } from '../schema/row-validator.js';
import type { ColumnType, TableDefinition } from '../targets/target.js';
import type { Handler } from '../handler/handler-types.js';

/** What a worker keeps about one import while it works on it: built once, used per chunk. */
export interface ImportContext {
  readonly record: ImportRecord;
  readonly keys: ImportKeys;
  readonly validate: RowValidator;
  readonly table: TableDefinition;
  /** Column name of each unique slot (see ImportSettings.uniqueColumns). */
  readonly uniqueColumnNames: readonly string[];
  /** The user's handler module, when the import has one. */
  readonly handler: Handler | null;
  /** The import's schema, parsed once (ajv compiles it only when a row needs it); null without one. */
  readonly schema: ImportSchema | null;
}

function columnType(schema: PropertySchema | undefined): ColumnType {
  const raw = schema?.type;
  const type = Array.isArray(raw) ? raw.find((t) => t !== 'null') : raw;
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'real';
  if (type === 'boolean') return 'boolean';
  if (schema?.format === 'date') return 'date';
  if (schema?.format === 'date-time') return 'timestamp';
  return 'text';
}

export function buildImportContext(record: ImportRecord, prefix: string, handler: Handler | null = null): ImportContext {
  // Compiled by ajv only when a row needs it: the enqueue has checked the schema already.
  const schema: ImportSchema | null = record.schema ? compileSchema(JSON.parse(record.schema), { lazy: true }) : null;
  return {
    record,
    keys: importKeys(prefix, record.id),
    validate: createRowValidator(record.columns, schema, { headerWidth: record.keepColumns?.width }),
    table: {
      table: record.table,
      columns: record.columns.map((name) => ({ name, type: columnType(schema?.properties[name]) })),
      create: record.createTable,
      uniqueKey: record.onConflict?.columns ?? [],
    },
    uniqueColumnNames: record.uniqueColumns.map((i) => record.columns[i] ?? `column ${i + 1}`),
    handler,
    schema,
  };
}
