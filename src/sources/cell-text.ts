/**
 * The text of a spreadsheet cell as the importer reads it: values, not what the cell displays.
 * Numbers keep Excel's 15 significant digits (no float noise, no thousands separators or
 * currency); dates become ISO 8601 (`2024-03-01`, or `2024-03-01T14:30:00Z` when they have a
 * time, or `14:30:00` for a time alone), so that `format: date` and `date-time` validate them.
 */
export function cellText(value: unknown, isDateFormat: () => boolean): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return isDateFormat() ? dateText(serialToDate(value)) : numberText(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return dateText(value);
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['richText'])) return (v['richText'] as { text?: unknown }[]).map((run) => String(run.text ?? '')).join('');
    if ('formula' in v || 'sharedFormula' in v) return formulaResult(v['result'], isDateFormat);
    if ('error' in v) return String(v['error']);
    if ('text' in v) return cellText(v['text'], () => false);
    if ('hyperlink' in v) return String(v['hyperlink']);
  }
  return String(value);
}

function formulaResult(result: unknown, isDateFormat: () => boolean): string {
  if (typeof result === 'number' && Number.isNaN(result)) return '#ERROR'; // the formula's error value, e.g. #N/A
  if (typeof result === 'object' && result !== null && 'error' in result) return String((result as { error: unknown }).error);
  return cellText(result, isDateFormat);
}

export function numberText(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return String(Number(n.toPrecision(15)));
}

/** Excel's serial day number (1900 date system) as a date; formulas' results arrive this way. */
function serialToDate(serial: number): Date {
  return new Date(Math.round((serial - 25569) * 86_400_000));
}

function dateText(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) return '';
  const iso = new Date(Math.round(time / 1000) * 1000).toISOString(); // whole seconds: serials carry float noise
  const day = iso.slice(0, 10);
  const clock = iso.slice(11, 19);
  // A time alone is a fraction of a day from Excel's epoch (1899-12-30, or 1904-01-01).
  if (day === '1899-12-30' || day === '1904-01-01') return clock;
  if (clock === '00:00:00') return day;
  return `${day}T${clock}Z`;
}

/** A number format that shows a date or a time (d, m, y, h, s outside quotes, brackets and escapes). */
export function isDateNumberFormat(format: string | undefined): boolean {
  if (!format || format === 'General' || format === '@') return false;
  const bare = format.replace(/"[^"]*"|\[[^\]]*\]|\\.|_.|\*./g, '');
  return /[dmyhs]/i.test(bare) && !/^[#0.,%E+\-\s]*$/.test(bare);
}
