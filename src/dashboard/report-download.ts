import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { ImporterError } from '../errors.js';
import { readRecord } from '../import-record.js';
import { writeReportTo } from '../report/report-output.js';
import { statusOf } from '../status/status.js';

/** A report written for one download: read it from `path`, then call `remove`. */
export interface ReportFile {
  readonly path: string;
  readonly bytes: number;
  remove(): Promise<void>;
}

/**
 * Writes an import's XLSX report (the same workbook `importer report` writes) into a private
 * temporary folder. Like `report` without --wait, an import still going is refused. A download
 * is only a look: unlike `report`, it sets no expiry on the import's keys.
 */
export async function writeReportForDownload(redis: Redis, prefix: string, id: string): Promise<ReportFile> {
  const record = await readRecord(redis, prefix, id);
  if (!record) throw new ImporterError('state', `no import with id "${id}" in this Redis`);
  if (record.state !== 'complete' && record.state !== 'failed' && record.state !== 'cancelled') {
    const status = statusOf(record);
    throw new ImporterError('state', `import ${id} is not finished (${status.state}, ${status.pending} rows pending): its report is written once every row has an outcome`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'importer-dashboard-'));
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    // The file's name is ours: the uploader's file name never chooses a path.
    const written = await writeReportTo(redis, prefix, record, join(dir, 'report.xlsx'));
    return { path: written.path!, bytes: written.bytes, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
