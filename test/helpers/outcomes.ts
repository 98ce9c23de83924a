import type { ImporterRedis } from '../../src/redis/scripts.js';
import { parseRecord } from '../../src/import-record.js';
import { readImportedRows, readList as readListEntries, type ImportedRow } from '../../src/report/list-reader.js';
import { importKeys } from '../../src/redis/keys.js';

export interface FailedRow {
  readonly line: number | null;
  readonly fields: string[];
  readonly messages: string[];
}

/** Every row's outcome as recorded in Redis, keyed by row number. */
export interface Outcomes {
  readonly meta: Record<string, string>;
  /** Row -> its saved values (`[row, ...values]` in the success list). */
  readonly succeeded: Map<number, unknown[]>;
  /** Row -> its line, original fields and messages (`[row, line, [values], [messages]]`). */
  readonly failed: Map<number, FailedRow>;
  /** Rows found in the lists more than once (must stay empty). */
  readonly repeated: number[];
}

/** A list's entries as text, unpacked (src/redis/codec.ts). */
async function readList(redis: ImporterRedis, key: string): Promise<string[]> {
  const all: string[] = [];
  for await (const entry of readListEntries(redis, key)) all.push(entry);
  return all;
}

export async function readOutcomes(redis: ImporterRedis, prefix: string, id: string): Promise<Outcomes> {
  const base = importKeys(prefix, id);
  const succeeded = new Map<number, unknown[]>();
  const failed = new Map<number, FailedRow>();
  const repeated: number[] = [];
  const record = parseRecord(await redis.hgetall(base.meta));
  const imported: ImportedRow[] = [];
  if (record) for await (const row of readImportedRows(redis, record, base.succeeded)) imported.push(row);
  for (const { row, values } of imported) {
    if (succeeded.has(row) || failed.has(row)) repeated.push(row);
    succeeded.set(row, [...values]);
  }
  for (const entry of await readList(redis, base.failed)) {
    const [row, line, fields, messages] = JSON.parse(entry) as [number, number | null, string[], string[]];
    if (succeeded.has(row) || failed.has(row)) repeated.push(row);
    failed.set(row, { line, fields, messages });
  }
  return { meta: await redis.hgetall(base.meta), succeeded, failed, repeated };
}

/** Row -> its messages joined, for compact assertions. */
export function failureMessages(outcomes: Outcomes): Record<number, string> {
  return Object.fromEntries([...outcomes.failed].map(([row, f]) => [row, f.messages.join(' | ')]));
}

/** Records a discrepancy (the first 30 are kept, so a failing test says what went wrong). */
export type Note = (message: string) => void;

/** What an import of a people file must end as: its rows, each valid (values) or failed (problem). */
interface ExpectedOutcome {
  readonly row: number;
  readonly line: number;
  readonly fields: string[];
  readonly values: readonly unknown[] | null;
  readonly problem: RegExp | null;
}

/**
 * Compares every row's outcome in Redis with the one expected: the meta's counts and state, no
 * row twice, each valid row in the success list with its values, each invalid one in the error
 * list with its one message (and, with `originals`, its line and fields).
 */
export function outcomeDiscrepancies(out: Outcomes, expected: readonly ExpectedOutcome[], note: Note, options: { originals?: boolean } = {}): void {
  const valid = expected.filter((r) => r.values).length;
  const want = { state: 'complete', total: String(expected.length), succeeded: String(valid), failed: String(expected.length - valid) };
  for (const [field, value] of Object.entries(want)) if (out.meta[field] !== value) note(`meta ${field} is ${out.meta[field]}, expected ${value}`);
  if (out.repeated.length > 0) note(`rows with more than one outcome: ${out.repeated.slice(0, 10).join(', ')}`);
  for (const r of expected) {
    const saved = out.succeeded.get(r.row);
    const failed = out.failed.get(r.row);
    if (r.values) {
      if (!saved) note(`row ${r.row} not in the success list: ${JSON.stringify(failed?.messages)}`);
      else if (JSON.stringify(saved) !== JSON.stringify(r.values)) note(`row ${r.row} saved as ${JSON.stringify(saved)}, expected ${JSON.stringify(r.values)}`);
    } else if (!failed) note(`row ${r.row} not in the error list`);
    else {
      if (failed.messages.length !== 1 || !r.problem!.test(failed.messages[0]!)) note(`row ${r.row}: ${JSON.stringify(failed.messages)}, expected ${r.problem}`);
      if (options.originals && (failed.line !== r.line || JSON.stringify(failed.fields) !== JSON.stringify(r.fields))) note(`row ${r.row}: line ${failed.line} ${JSON.stringify(failed.fields)}`);
    }
  }
}

/**
 * Compares a table's rows (`[id, ...values]`, ordered by id) with the values expected saved
 * (ordered by id): each once, none missing, none extra.
 */
export function tableDiscrepancies(saved: readonly (readonly unknown[])[], wanted: readonly (readonly unknown[])[], note: Note): void {
  if (saved.length !== wanted.length) note(`the table holds ${saved.length} rows, expected ${wanted.length}`);
  for (let i = 0, j = 0; i < saved.length || j < wanted.length; ) {
    const a = saved[i];
    const b = wanted[j];
    const aId = a ? Number(a[0]) : 0;
    const bId = b ? Number(b[0]) : 0;
    if (a && b && aId === bId) {
      if (JSON.stringify(a) !== JSON.stringify(b)) note(`table: id ${bId} is ${JSON.stringify(a)}`);
      i++;
      j++;
    } else if (a && (!b || aId < bId)) {
      note(`table: id ${aId} ${Number(saved[i - 1]?.[0]) === aId ? 'saved twice' : 'should not be there'}`);
      i++;
    } else {
      note(`table: id ${bId} missing`);
      j++;
    }
  }
}
