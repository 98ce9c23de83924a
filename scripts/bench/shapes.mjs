// The benchmark's file shapes: the file of a given number of rows, its schema, and the
// PostgreSQL table columns that mirror it. Files are generated once into .bench/ and reused.
//   ascii      generate.mjs: ASCII people with integer ids, ~3% invalid rows (the historical shape)
//   realistic  generate-realistic.mjs: international text, quoted multi-line notes, a unique
//              email column, ~8% invalid rows
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { generateCsv, schemaFor } from './generate.mjs';
import { generateRealisticCsv, realisticSchema } from './generate-realistic.mjs';
import { ASCII_TABLE_COLUMNS, REALISTIC_TABLE_COLUMNS } from './postgres.mjs';

export const SHAPES = ['ascii', 'realistic'];

export function shapeOf(name, { columns, textLength, wide }) {
  if (name === 'realistic') {
    return {
      name,
      schema: realisticSchema(),
      fileName: (rows, valid) => `realistic-${rows}${valid ? '-valid' : ''}.csv`,
      generate: (path, rows, valid) => generateRealisticCsv(path, { rows, ...(valid ? { invalidRate: 0 } : {}) }),
      tableColumns: REALISTIC_TABLE_COLUMNS,
      postgresOk: true,
    };
  }
  if (name !== 'ascii') throw new Error(`--shape: one of ${SHAPES.join(', ')}`);
  return {
    name,
    schema: schemaFor(columns),
    fileName: (rows, valid) => `people-${rows}x${columns}${wide ? '-wide' : ''}${valid ? '-valid' : ''}.csv`,
    generate: (path, rows, valid) => generateCsv(path, { rows, columns, textLength, ...(valid ? { invalidRate: 0 } : {}) }),
    tableColumns: ASCII_TABLE_COLUMNS,
    // The table mirrors the 8 columns of generate.mjs only.
    postgresOk: columns === 8 && !wide,
  };
}

/** The path of the shape's file of `rows` rows in `dir`, generated if it is not there yet. */
export async function fileFor(shape, dir, rows, { valid = false } = {}) {
  const path = join(dir, shape.fileName(rows, valid));
  if (!existsSync(path)) {
    process.stderr.write(`generating ${path}\n`);
    // Under a temporary name first: a run stopped midway must not leave a short file to be reused.
    await shape.generate(`${path}.part`, rows, valid);
    renameSync(`${path}.part`, path);
  }
  return path;
}
