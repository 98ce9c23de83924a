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
