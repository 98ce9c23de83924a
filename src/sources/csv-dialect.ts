import { optionError } from '../errors.js';

/** Separators tried when none is given, in order of preference on a tie. */
const CANDIDATES = [',', ';', '\t', '|'] as const;
const SAMPLE_RECORDS = 50;

const NAMED: Readonly<Record<string, string>> = { comma: ',', semicolon: ';', tab: '\t', '\\t': '\t', pipe: '|', space: ' ' };

/** The separator a person named with --delimiter: one character, or comma/semicolon/tab/pipe. */
export function parseDelimiter(value: string): string {
  const named = NAMED[value.toLowerCase()];
  if (named) return named;
  if ([...value].length !== 1 || value === '"' || value === '\r' || value === '\n') {
    throw optionError((o) => `${o('delimiter')} must be one character (or comma, semicolon, tab, pipe), not "${value}"`);
  }
  return value;
}

/**
 * Fields per record of the sample when split on `delimiter`, quotes respected. The last record
 * is left out when the sample stops inside it, unless it is the only one.
 */
function fieldCounts(sample: string, delimiter: string, complete: boolean): number[] {
  const counts: number[] = [];
  let fields = 1;
  let quoted = false;
  let empty = true;
  for (let i = 0; i < sample.length && counts.length < SAMPLE_RECORDS; i++) {
    const c = sample[i];
    if (c === '"') {
      quoted = !quoted; // a doubled quote inside quotes toggles twice
      empty = false;
    } else if (quoted) {
      continue;
    } else if (c === delimiter) {
      fields++;
      empty = false;
    } else if (c === '\n' || c === '\r') {
      if (!empty) counts.push(fields);
      fields = 1;
      empty = true;
    } else {
      empty = false;
    }
  }
  if (!empty && (complete || counts.length === 0)) counts.push(fields);
  return counts;
}

/**
 * Guesses the field separator from the first lines of a file: the candidate that splits the
 * header into most fields while splitting the following records the same way. A file with one
 * column (no candidate splits its header) is read with commas.
 */
export function detectDelimiter(sample: string, complete: boolean): string {
  let best: { delimiter: string; agreement: number; width: number } | null = null;
  for (const delimiter of CANDIDATES) {
    const counts = fieldCounts(sample, delimiter, complete);
    const width = counts[0] ?? 1;
    if (width < 2) continue;
    const rest = counts.slice(1);
    const agreement = rest.length === 0 ? 1 : rest.filter((n) => n === width).length / rest.length;
    const candidate = { delimiter, agreement, width };
    if (!best || better(candidate, best)) best = candidate;
  }
  return best?.delimiter ?? ',';
}

/** Records that agree with the header count most; among near ties, the wider split wins. */
function better(a: { agreement: number; width: number }, b: { agreement: number; width: number }): boolean {
  if (Math.abs(a.agreement - b.agreement) > 0.1) return a.agreement > b.agreement;
  return a.width > b.width;
}
