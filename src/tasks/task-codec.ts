import { chunkFromEntryId } from '../redis/keys.js';

/** A row that repeats an earlier row's value in a unique column. */
export interface Duplicate {
  /** Index of the row within its chunk. */
  readonly index: number;
  /** Position of the column among the import's unique columns. */
  readonly uniqueSlot: number;
  /** Row number of the first row that holds the value. */
  readonly firstRow: number;
}

/** One task: a chunk of consecutive data rows of the file. */
export interface TaskChunk {
  readonly chunk: number;
  /** Row number of the first row (1 is the first data row after the header). */
  readonly firstRow: number;
  /** Line of the file where each row starts. */
  readonly lines: readonly number[];
  readonly rows: readonly (readonly string[])[];
  readonly duplicates: readonly Duplicate[];
}

/**
 * A chunk travels as one compact JSON string, `[firstRow, lines, rows]`, where `lines` is the
 * first row's line when the rows sit on consecutive lines (the common case) and the full list
 * otherwise: arrays are cheaper than objects to build, store and parse.
 */
export function encodeChunk(firstRow: number, lines: readonly number[], rows: readonly (readonly string[])[]): string {
  const first = lines[0] ?? 0;
  const consecutive = lines.every((line, i) => line === first + i);
  return JSON.stringify([firstRow, consecutive ? first : lines, rows]);
}

export function decodeTask(entryId: string, fields: readonly string[]): TaskChunk {
  let payload = '';
  let dups = '';
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'd') payload = fields[i + 1]!;
    else if (fields[i] === 'u') dups = fields[i + 1]!;
  }
  const [firstRow, lineInfo, rows] = JSON.parse(payload) as [number, number | number[], string[][]];
  const lines = typeof lineInfo === 'number' ? rows.map((_, i) => lineInfo + i) : lineInfo;
  const duplicates = dups
    ? dups.split(',').map((part) => {
        const [index, uniqueSlot, first] = part.split(':').map(Number);
        return { index: index!, uniqueSlot: uniqueSlot!, firstRow: first! };
      })
    : [];
  return { chunk: chunkFromEntryId(entryId), firstRow, lines, rows, duplicates };
}
