import { basename } from 'node:path';
import type { ImportRecord } from '../import-record.js';

/** The file's name as a person knows it: `people.csv`, or "standard input". */
export function fileLabel(source: string): string {
  return source === '-' ? 'standard input' : basename(source);
}

const URL_IN_TEXT = /[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>;,)]+/g;
/** A database that could not be reached: the words of retry.ts and of the drivers' socket errors. */
const CONNECTION_FAILURE = /database unavailable|\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)\b/;
const ADDRESS = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\[[0-9a-fA-F:]+\](?::\d+)?/g;

/** The target's host (or SQLite file) as it may appear in a driver's words. */
function targetPlaces(target: string): string[] {
  if (target.startsWith('sqlite:')) return [target.slice('sqlite:'.length)];
  try {
    const url = new URL(target);
    return [url.host, url.hostname].filter((h) => h !== '');
  } catch {
    return [];
  }
}

/**
 * A message as the uploader reads it (the report and the mail): the file by its own name, not
 * the path it had on the server, and no database URL, host, address or server path. A row that
 * failed because the database was down says so; where the database is stays in `status` and the
 * workers' warnings, for the operator.
 */
export function forUploader(record: Pick<ImportRecord, 'source' | 'target'>, text: string): string {
  let out = record.source && record.source !== '-' ? text.split(record.source).join(fileLabel(record.source)) : text;
  // Only a failure to reach the database is scrubbed: other messages quote the row's own values.
  if (!CONNECTION_FAILURE.test(out)) return out;
  out = out.replace(URL_IN_TEXT, (url) => `the database${/[:.]*$/.exec(url)![0]}`);
  for (const place of targetPlaces(record.target)) out = out.split(place).join('the database');
  return out.replace(ADDRESS, 'the server');
}

/** `"is_admin", "notes"`: the file's columns the schema has no property for. */
export function ignoredList(record: ImportRecord): string {
  return record.ignoredColumns.map((c) => `"${c}"`).join(', ');
}
