import type { Readable } from 'node:stream';
import { inputError } from '../errors.js';
import type { ImportSchema } from '../schema/compile-schema.js';
import { openRecords, type RecordSource } from '../sources/open-records.js';
import type { ReadOptions, SourceRecord } from '../sources/read-options.js';
import { planHeader, REPORT_COLUMN, type HeaderPlan } from './check-header.js';

/** The file to enqueue, opened, its header read and matched with the schema. */
export interface OpenedInput {
  readonly source: RecordSource;
  readonly header: SourceRecord;
  /** Records read with the header (parsed path only), not yet queued. */
  readonly firstRows: SourceRecord[];
  readonly plan: HeaderPlan;
  /** Stops reading the file without queueing the rest. */
  abandon(): Promise<void>;
}

export interface OpenInputOptions extends ReadOptions {
  readonly stdin?: Readable;
  readonly schema: ImportSchema | null;
  readonly map?: Readonly<Record<string, string>>;
}

/** Opens `path` and reads its header; a file without one, or with columns the schema refuses, is closed and refused. */
export async function openInput(path: string, options: OpenInputOptions): Promise<OpenedInput> {
  const source = await openRecords(path, options, options.stdin, true);
  let header: SourceRecord | null = null;
  let firstRows: SourceRecord[] = [];
  try {
    if (source.raw) header = await source.raw.header();
    else {
      const first = await source.batches.next();
      if (!first.done) [header = null, ...firstRows] = first.value;
    }
    if (!header) throw inputError(`${source.name} is empty: there is no header row`);
  } catch (err) {
    await source.close();
    throw err;
  }
  const abandon = async (): Promise<void> => {
    source.batches.return(undefined).catch(() => {});
    await source.close();
  };
  let plan: HeaderPlan;
  try {
    plan = planHeader(header.fields, {
      schema: options.schema,
      fileName: source.name,
      line: header.line,
      map: options.map,
      // A report's Errors sheet read back: its own columns are not the data's.
      ignore: source.format === 'xlsx' ? REPORT_COLUMN : undefined,
    });
  } catch (err) {
    await source.batches.return(undefined).catch(() => {});
    await source.close();
    throw err;
  }
  return { source, header, firstRows, plan, abandon };
}
