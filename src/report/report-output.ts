import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Transform } from 'node:stream';
import type { Redis } from 'ioredis';
import type { ImportRecord } from '../import-record.js';
import { createS3Client, type S3Settings } from '../s3/s3-client.js';
import { uploadStream } from '../s3/upload.js';
import { isS3Url, parseS3Url, type S3Location } from '../s3/s3-url.js';
import { writeWorkbook, writeXlsxReport, type WorkbookOptions } from './write-xlsx.js';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Where a report was written. */
export interface WrittenReport {
  /** As asked for: a path, or `s3://bucket/key`. */
  readonly location: string;
  readonly bytes: number;
  /** Absolute path, for a report written to this machine. */
  readonly path: string | null;
  /** The object, for a report written to S3. */
  readonly s3: S3Location | null;
}

export interface ReportOutputOptions extends WorkbookOptions {
  readonly s3?: S3Settings;
}

/**
 * Writes the report to a local file (complete or not at all) or streams it to S3 (`s3://...`):
 * in parts as it is produced (a multipart upload for a large report), never whole in memory;
 * the object appears only once complete.
 */
export async function writeReportTo(redis: Redis, prefix: string, record: ImportRecord, out: string, options: ReportOutputOptions = {}): Promise<WrittenReport> {
  if (!isS3Url(out)) {
    await writeXlsxReport(redis, prefix, record, out, options);
    const path = resolve(out);
    return { location: out, bytes: (await stat(path)).size, path, s3: null };
  }
  const location = parseS3Url(out, 'out');
  const client = await createS3Client(options.s3);
  try {
    let bytes = 0;
    const body = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    const abort = new AbortController();
    const uploading = uploadStream(client, location, body, { contentType: XLSX_TYPE, signal: abort.signal });
    uploading.catch(() => {});
    try {
      await Promise.race([writeWorkbook(redis, prefix, record, body, options), uploading.then(() => new Promise<never>(() => {}))]);
    } catch (err) {
      abort.abort();
      body.destroy(err instanceof Error ? err : new Error(String(err)));
      await uploading.catch(() => {});
      throw err;
    }
    await uploading;
    return { location: out, bytes, path: null, s3: location };
  } finally {
    client.destroy();
  }
}
