import { inputError } from '../errors.js';
import type { ImportSchema } from '../schema/compile-schema.js';

/**
 * Turns the file's first record into column names and checks them against the schema before
 * any row is queued: duplicated headers and missing required columns stop the import.
 */
export function checkHeader(fields: readonly string[], schema: ImportSchema | null, fileName: string): string[] {
  const columns = fields.map((field, i) => field.trim() || `column_${i + 1}`);
  const seen = new Map<string, number>();
  const duplicated: string[] = [];
  columns.forEach((column, i) => {
    if (seen.has(column)) duplicated.push(`"${column}" (columns ${seen.get(column)! + 1} and ${i + 1})`);
    else seen.set(column, i);
  });
  if (duplicated.length > 0) {
    throw inputError(`${fileName}: line 1: duplicated header ${duplicated.join(', ')}; each column needs its own name`);
  }
  if (schema) {
    const missing = schema.required.filter((name) => !seen.has(name));
    if (missing.length > 0) {
      throw inputError(
        `${fileName}: line 1: missing required ${missing.length === 1 ? 'column' : 'columns'} ${missing.map((m) => `"${m}"`).join(', ')}; ` +
          `expected ${Object.keys(schema.properties).map((p) => `"${p}"`).join(', ')}; found ${columns.map((c) => `"${c}"`).join(', ')}`,
      );
    }
  }
  return columns;
}

export function uniqueColumnIndexes(columns: readonly string[], schema: ImportSchema | null): number[] {
  if (!schema) return [];
  return columns.flatMap((column, i) => (schema.properties[column]?.unique === true ? [i] : []));
}
