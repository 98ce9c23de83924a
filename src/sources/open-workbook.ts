import { DEFAULT_WORKBOOK_LIMITS } from '../defaults.js';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { isS3Url } from '../s3/s3-url.js';
import { STDIN } from './open-source.js';
import type { RecordSource } from './open-records.js';
import { type ReadOptions, type SourceRecord, type WorkbookLimits } from './read-options.js';
import { spoolToFile, type SpooledFile } from './spool-file.js';
import type { XlsxArchive } from './xlsx-archive.js';

/** The limits given, the defaults for the rest (an unset flag is undefined, not a limit). */
function workbookLimits(given: Partial<WorkbookLimits> = {}): WorkbookLimits {
  const d = DEFAULT_WORKBOOK_LIMITS;
  return {
    maxInflateRatio: given.maxInflateRatio ?? d.maxInflateRatio,
    maxInflatedBytes: given.maxInflatedBytes ?? d.maxInflatedBytes,
    maxSharedStringsBytes: given.maxSharedStringsBytes ?? d.maxSharedStringsBytes,
    maxTextRatio: given.maxTextRatio ?? d.maxTextRatio,
    minTextBytes: given.minTextBytes ?? d.minTextBytes,
  };
}

/**
 * A workbook is read from a file, whose ZIP directory (at its end) says what each part inflates
 * to before anything is inflated: a local file as it is, stdin and S3 from a temporary copy.
 */
export async function openWorkbook(source: string, name: string, size: number | null, stream: Readable, chunks: AsyncIterable<Buffer>, options: ReadOptions): Promise<RecordSource> {
  const limits = workbookLimits(options.workbookLimits);
  // A pipe given as a path (`<(curl ...)`) cannot be read again from its start: copied like stdin.
  const local = source !== STDIN && !isS3Url(source) && (await stat(source)).isFile();
  let spooled: SpooledFile | null = null;
  if (local) stream.destroy();
  else spooled = await spoolToFile(chunks, name, limits.maxInflatedBytes);
  const { openXlsxArchive } = await import('./xlsx-archive.js');
  const { readXlsxBatches } = await import('./xlsx-records.js'); // exceljs is large: loaded only for workbooks
  let archive: XlsxArchive;
  try {
    archive = await openXlsxArchive(spooled?.path ?? source, name, limits);
  } catch (err) {
    await spooled?.remove();
    throw err;
  }
  const fileSize = archive.fileSize;
  let fraction = 0;
  const removeCopy = async (): Promise<void> => {
    await spooled?.remove();
  };
  async function* batches(): AsyncGenerator<SourceRecord[]> {
    try {
      yield* readXlsxBatches(archive, { name, sheet: options.sheet, trim: options.trim, maxRecordSize: options.maxRecordSize, maxColumns: options.maxColumns, limits, onProgress: (f) => (fraction = f) });
    } finally {
      await removeCopy();
    }
  }
  return {
    name,
    size: size ?? fileSize,
    format: 'xlsx',
    delimiter: null,
    encoding: null,
    raw: null,
    batches: batches(),
    bytesRead: () => Math.round(fraction * fileSize),
    close: async () => {
      archive.close();
      await removeCopy();
    },
  };
}

