/** Exit codes of the command line, a contract for scripts and cron jobs. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  rowsFailed: 3,
  timeout: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ImporterErrorKind = 'usage' | 'input' | 'connection' | 'state' | 'internal' | 'timeout';

/**
 * An operational error: something the person running the tool can act on. It carries a
 * one-line message and the exit code the command line maps it to.
 */
export class ImporterError extends Error {
  readonly kind: ImporterErrorKind;
  constructor(kind: ImporterErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImporterError';
    this.kind = kind;
  }

  get exitCode(): ExitCodeValue {
    if (this.kind === 'usage') return ExitCode.usage;
    if (this.kind === 'timeout') return ExitCode.timeout;
    return ExitCode.internal;
  }
}

/** Names an option in a message (see OptionError). */
export type NameOption = (option: string) => string;

/** How this process's messages name options (option -> name); the library's own names where absent. */
let processNames: Readonly<Record<string, string>> = {};
const processNaming: NameOption = (option) => (Object.hasOwn(processNames, option) ? processNames[option]! : option);

/**
 * Names options in this process's messages by `names`. The command line sets its flags, so that
 * a message stored rather than printed (a row's error in the report, an import's error in
 * Redis) names what its users know; worker processes get the same names from their supervisor.
 */
export function nameOptionsAs(names: Readonly<Record<string, string>>): void {
  processNames = names;
}

/** The names set by nameOptionsAs. */
export function optionNames(): Readonly<Record<string, string>> {
  return processNames;
}

/**
 * An error whose message names options of the library as the library does (`chunkSize must be
 * ...`): `words` builds it with any naming, so that the command line can say the same with its
 * own names for them (`--chunk-size must be ...`, SMTP_URL: src/cli/option-names.ts).
 */
export class OptionError extends ImporterError {
  constructor(
    kind: ImporterErrorKind,
    readonly words: (name: NameOption) => string,
    options?: { cause?: unknown },
  ) {
    super(kind, words(processNaming), options);
    this.name = 'OptionError';
  }
}

/** A usage error naming options: optionError((o) => `${o('chunkSize')} must be ...`). */
export function optionError(words: (name: NameOption) => string, kind: ImporterErrorKind = 'usage', cause?: unknown): OptionError {
  return new OptionError(kind, words, { cause });
}

export function usageError(message: string): ImporterError {
  return new ImporterError('usage', message);
}

export function inputError(message: string, cause?: unknown): ImporterError {
  return new ImporterError('input', message, { cause });
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
