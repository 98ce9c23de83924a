import { cliMessage } from './option-names.js';
import { DEFAULT_MAX_COLUMNS, DEFAULT_MAX_RECORD_SIZE, DEFAULT_WORKBOOK_LIMITS } from '../defaults.js';
import { InvalidArgumentError, type Command } from 'commander';
import { ImporterError } from '../errors.js';
import { parseDelimiter } from '../sources/csv-dialect.js';
import { type ReadOptions } from '../sources/read-options.js';
import { parseEncoding } from '../sources/text-encoding.js';

/** How the file is read: the flags shared by `enqueue` and `run`. */
export interface ReadFlags {
  readonly encoding?: string;
  readonly delimiter?: string;
  readonly trim?: boolean;
  readonly sheet?: string;
  readonly map?: Readonly<Record<string, string>>;
  readonly maxRecordSize?: number;
  readonly maxColumns?: number;
  readonly maxInflateRatio?: number;
  readonly maxTextRatio?: number;
  readonly maxSharedStrings?: number;
}

/** The core's check of a flag, reported the way commander reports a bad value. */
function checked(check: (value: string) => unknown) {
  return (value: string): string => {
    try {
      check(value);
    } catch (err) {
      if (err instanceof ImporterError) throw new InvalidArgumentError(cliMessage(err).replace(/^--[\w-]+: /, ''));
      throw err;
    }
    return value;
  };
}

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };
const MAX_RECORD_SIZE_LIMIT = 1024 ** 3;

/** "64MB", "512k", "1000000": bytes. */
function byteSize(value: string, flag = '--max-record-size'): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  const n = match && unit ? Number(match[1]) * unit : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_RECORD_SIZE_LIMIT) {
    throw new InvalidArgumentError(`${flag} must be a size in bytes from 1 to 1GB, such as 64MB or 500000`);
  }
  return n;
}

function columnCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 1_000_000) throw new InvalidArgumentError('--max-columns must be a whole number from 1 to 1000000');
  return n;
}

/** A workbook limit's ratio: a whole number from 1 to 100000. */
function ratio(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1 || n > 100_000) throw new InvalidArgumentError(`${flag} must be a whole number from 1 to 100000`);
    return n;
  };
}

/** `--map "E-mail Address=email"`, repeatable: header -> column. */
function mapping(value: string, previous: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const at = value.lastIndexOf('=');
  const header = at === -1 ? '' : value.slice(0, at).trim();
  const column = at === -1 ? '' : value.slice(at + 1).trim();
  if (!header || !column) throw new InvalidArgumentError(`--map takes "Header Name=column", not "${value}"`);
  return { ...previous, [header]: column };
}

export function addReadOptions(command: Command): Command {
  return command
    .option('--delimiter <char>', 'field separator: comma, semicolon, tab, pipe or one character (default: detected from the first lines)', checked(parseDelimiter))
    .option('--encoding <name>', 'encoding of a file without a byte order mark: utf-8 (default), utf-16le, windows-1252, iso-8859-1, ...', checked(parseEncoding))
    .option('--trim', 'remove spaces around values')
    .option('--sheet <name>', 'sheet of an Excel workbook to read (default: the first)')
    .option('--map <Header=column>', 'read the column with this header as this column (repeatable)', mapping)
    .option('--max-record-size <bytes>', `largest record accepted, such as 64MB (default ${DEFAULT_MAX_RECORD_SIZE / 1024 / 1024}MB)`, (value: string) => byteSize(value))
    .option('--max-columns <n>', `most fields a record may have (default ${DEFAULT_MAX_COLUMNS})`, columnCount)
    .option('--max-inflate-ratio <n>', `most a part of an Excel workbook may inflate per byte stored (default ${DEFAULT_WORKBOOK_LIMITS.maxInflateRatio})`, ratio('--max-inflate-ratio'))
    .option('--max-text-ratio <n>', `most cell text an Excel workbook may hold per byte of the file, beyond ${DEFAULT_WORKBOOK_LIMITS.minTextBytes / 1024 ** 2}MB (default ${DEFAULT_WORKBOOK_LIMITS.maxTextRatio})`, ratio('--max-text-ratio'))
    .option('--max-shared-strings <bytes>', `largest shared-string table of an Excel workbook, held in memory while its sheet is read (default ${DEFAULT_WORKBOOK_LIMITS.maxSharedStringsBytes / 1024 ** 2}MB)`, (value: string) => byteSize(value, '--max-shared-strings'));
}

export function readOptionsFromFlags(flags: ReadFlags): ReadOptions & { readonly map?: Readonly<Record<string, string>> } {
  return {
    encoding: flags.encoding,
    delimiter: flags.delimiter,
    trim: flags.trim,
    sheet: flags.sheet,
    map: flags.map,
    maxRecordSize: flags.maxRecordSize,
    maxColumns: flags.maxColumns,
    workbookLimits: { maxInflateRatio: flags.maxInflateRatio, maxTextRatio: flags.maxTextRatio, maxSharedStringsBytes: flags.maxSharedStrings },
  };
}
