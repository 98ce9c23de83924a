import { ImporterError } from '../errors.js';
import { projectFields, type KeepColumns } from '../import-record.js';
import { splitRecords } from '../sources/csv-fields.js';
import { LINE_END_LF, LINE_END_UNKNOWN } from '../sources/csv-scan.js';
import type { RecordSource } from '../sources/open-records.js';
import type { SourceRecord } from '../sources/read-options.js';

/**
 * The data rows of an opened file (its header already read), in batches, with the import's
 * columns only (projectFields): the fields a worker validates. CSV text read raw is split as a
 * worker splits its chunk's text (splitRecords); workbooks and `--trim` come parsed, as the
 * enqueue queues them.
 */
export async function* fileRows(opened: RecordSource, firstRows: readonly SourceRecord[], keep: KeepColumns | null): AsyncGenerator<SourceRecord[]> {
  const project = (record: SourceRecord): SourceRecord => (keep ? { ...record, fields: projectFields(record.fields, keep) } : record);
  if (opened.raw) {
    let lineEnd: 1 | 2 | 3 = LINE_END_LF;
    for await (const batch of opened.raw.batches()) {
      if (batch.dialect.lineEnd !== LINE_END_UNKNOWN) lineEnd = batch.dialect.lineEnd;
      const rows: SourceRecord[] = [];
      // Lines counted as a worker counts them in its chunk's text (decodeRawRows).
      let line = batch.lines[0] ?? 1;
      const text = batch.data.toString('utf8', batch.starts[0], batch.end);
      splitRecords(text, { delimiter: String.fromCharCode(batch.dialect.delimiter), lineEnd }, (fields, blank, breaks) => {
        if (!blank) rows.push({ fields: keep ? projectFields(fields, keep) : fields, line });
        line += 1 + breaks;
      });
      const expected = batch.blank.reduce((n, blank) => (blank ? n : n + 1), 0);
      if (rows.length !== expected) {
        throw new ImporterError('internal', `${opened.name}: the rows from line ${batch.lines[0]} read as ${rows.length} rows instead of ${expected}`);
      }
      yield rows;
    }
    return;
  }
  if (firstRows.length > 0) yield firstRows.map(project);
  for await (const batch of opened.batches) yield keep ? batch.map(project) : batch;
}
