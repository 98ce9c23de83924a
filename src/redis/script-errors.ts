import { ImporterError } from '../errors.js';

/** The codes the scripts reply with (their headers say which, and when). */
export type ScriptErrorCode = 'NO_IMPORT' | 'IMPORT_CLOSED' | 'CHUNK_GAP' | 'COUNT_MISMATCH';

/**
 * The errors the Lua scripts reply with, `<CODE> <detail>`, mapped to typed errors in one place:
 * runScript() throws these, and callers test with instanceof, never with the reply's words.
 * Each is an ImporterError, so that one reaching the command line unhandled prints as a clear
 * line rather than as an unexpected error.
 */
export abstract class ScriptError extends ImporterError {
  abstract readonly code: ScriptErrorCode;
}

/** cancel-import.lua: the import has no record. */
export class NoImportError extends ScriptError {
  readonly code = 'NO_IMPORT' as const;
  constructor() {
    super('state', 'no such import in this Redis');
    this.name = 'NoImportError';
  }
}

/**
 * enqueue-chunk.lua: the import no longer takes rows. `state` is its state, or 'replaced' when
 * its record is another incarnation's (purged or expired and created again under its id).
 */
export class ImportClosedError extends ScriptError {
  readonly code = 'IMPORT_CLOSED' as const;
  constructor(readonly state: string) {
    super('state', `the import no longer takes rows (it was ${state})`);
    this.name = 'ImportClosedError';
  }
}

/**
 * enqueue-chunk.lua: chunks arrive in order and this one came early: Redis expects chunk
 * `expectedChunk` first (a failover lost chunks its replica never had).
 */
export class ChunkGapError extends ScriptError {
  readonly code = 'CHUNK_GAP' as const;
  constructor(readonly expectedChunk: number) {
    super('state', `Redis expects chunk ${expectedChunk} first`);
    this.name = 'ChunkGapError';
  }
}

/** finish-enqueue.lua: the rows queued disagree with the rows the enqueue read from its file. */
export class CountMismatchError extends ScriptError {
  readonly code = 'COUNT_MISMATCH' as const;
  constructor(
    readonly queuedRows: number,
    readonly readRows: number,
  ) {
    super(
      'internal',
      `the import cannot be sealed: ${queuedRows} rows are queued in Redis but ${readRows} were read from its file (was the file changed before its enqueue was resumed?); it stays unfinished: purge it and enqueue the file again`,
    );
    this.name = 'CountMismatchError';
  }
}

const FROM_REPLY: Record<ScriptErrorCode, (detail: string) => ScriptError> = {
  NO_IMPORT: () => new NoImportError(),
  IMPORT_CLOSED: (detail: string) => new ImportClosedError(detail.split(' ')[0] || 'closed'),
  CHUNK_GAP: (detail: string) => new ChunkGapError(Number(detail)),
  COUNT_MISMATCH: (detail: string) => {
    // `<queued> queued, <read> read`
    const [queued, read] = detail.match(/\d+/g)?.map(Number) ?? [NaN, NaN];
    return new CountMismatchError(queued ?? NaN, read ?? NaN);
  },
};

/** The typed error of a script's error reply, or null when `err` is none of the scripts' codes. */
export function scriptError(err: unknown): ScriptError | null {
  if (!(err instanceof Error)) return null;
  // Redis puts 'ERR ' before a reply of one word (`NO_IMPORT`).
  const reply = err.message.startsWith('ERR ') ? err.message.slice(4) : err.message;
  const space = reply.indexOf(' ');
  const code = space < 0 ? reply : reply.slice(0, space);
  if (!Object.hasOwn(FROM_REPLY, code)) return null;
  const typed = FROM_REPLY[code as ScriptErrorCode](space < 0 ? '' : reply.slice(space + 1));
  typed.cause = err;
  return typed;
}
