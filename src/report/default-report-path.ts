import { basename, extname } from 'node:path';

/** `people.csv` (or `s3://b/people.csv`) -> `people-report.xlsx`, in the current directory. */
export function defaultReportPath(source: string): string {
  const base = source === '-' ? 'stdin' : basename(source, extname(source)) || 'import';
  return `${base}-report.xlsx`;
}
