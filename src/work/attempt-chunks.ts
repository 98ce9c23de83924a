import type { DecodedChunk } from '../chunks/chunk-codec.js';
import type { ChunkOutcome } from './process-chunks.js';
import type { FetchedChunk } from './chunk-fetcher.js';

/** What recording a chunk's outcome needs of it, once its rows are let go of. */
export interface ChunkMeta {
  readonly chunk: number;
  readonly rows: number;
}

/** A chunk read back, with its outcome already decided when its rows cannot be worked on. */
export interface ReadChunk {
  readonly chunk: DecodedChunk;
  readonly outcome?: ChunkOutcome;
}

/** A chunk that cannot be read back and whose rows cannot be counted: its import cannot complete. */
export class UnreadableChunkError extends Error {}

/** One fetched chunk as one attempt goes: read, then with its outcome once decided. */
export interface AttemptedChunk {
  readonly fetched: FetchedChunk;
  chunk?: ChunkMeta;
  outcome?: ChunkOutcome;
}

/**
 * The chunks of one attempt of a slot at saving them, as they go through it. They are read
 * back one at a time as processChunks asks for them (chunks()), and processChunks lets go of each
 * one's rows once checked: a batch's rows held at once cost more to collect than to build. What
 * recording needs is kept instead (ChunkMeta).
 *
 * - `attempted`: every chunk still held when the attempt began, in order;
 * - `checked`: those handed to processChunks, in the order of its outcomes (setOutcomes);
 * - a chunk whose outcome reading decided (unreadable rows, given up after many deliveries) has it
 *   at once and is not checked;
 * - a chunk that could not be read is dropped: let go of (`held`), and either `unreadable` (its
 *   import must fail) or left for another worker after the visibility timeout (`onLeft`).
 */
export class AttemptChunks {
  /**
   * How the attempt ended: the rows saved (or none to save); the target unavailable (nothing
   * decided for the checked chunks: they are attempted again); or abandoned (abandonUnsaved).
   */
  ending: 'saved' | 'targetUnavailable' | 'abandoned' = 'saved';
  readonly attempted: AttemptedChunk[];
  readonly checked: AttemptedChunk[] = [];
  readonly unreadable: { fetched: FetchedChunk; reason: string }[] = [];
  private readonly dropped = new Set<AttemptedChunk>();

  constructor(
    fetched: readonly FetchedChunk[],
    /** The import's chunks this worker holds (renewed while held): a dropped chunk leaves it. */
    private readonly held: Set<string>,
    private readonly read: (fetched: FetchedChunk) => ReadChunk,
    private readonly onLeft: (fetched: FetchedChunk, err: unknown) => void,
  ) {
    this.attempted = fetched.filter((one) => held.has(one.entryId)).map((one) => ({ fetched: one }));
  }

  /** The chunks to check and save, read as they are asked for. */
  *chunks(): Generator<DecodedChunk> {
    for (const attempted of this.attempted) {
      let read: ReadChunk;
      try {
        read = this.read(attempted.fetched);
      } catch (err) {
        this.drop(attempted);
        if (err instanceof UnreadableChunkError) this.unreadable.push({ fetched: attempted.fetched, reason: err.message });
        else this.onLeft(attempted.fetched, err);
        continue;
      }
      attempted.chunk = { chunk: read.chunk.chunk, rows: read.chunk.rows.length };
      if (read.outcome) {
        attempted.outcome = read.outcome;
        continue;
      }
      this.checked.push(attempted);
      yield read.chunk;
    }
  }

  /** processChunks' outcomes, one per checked chunk. */
  setOutcomes(outcomes: readonly ChunkOutcome[]): void {
    this.checked.forEach((attempted, i) => (attempted.outcome = outcomes[i]));
  }

  /**
   * After processChunks failed with no answer about the target: the checked chunks and those not
   * read yet are let go of (left to another worker after the visibility timeout), each told to
   * `onLeft`. Those whose outcome reading decided stay to be recorded.
   */
  abandonUnsaved(err: unknown): void {
    this.ending = 'abandoned';
    for (const attempted of this.attempted) {
      if (this.dropped.has(attempted) || (attempted.outcome && !this.checked.includes(attempted))) continue;
      this.onLeft(attempted.fetched, err);
      this.drop(attempted);
      attempted.outcome = undefined;
    }
  }

  /** The chunks with an outcome to record. */
  toRecord(): { fetched: FetchedChunk; chunk: ChunkMeta; outcome: ChunkOutcome }[] {
    const out: { fetched: FetchedChunk; chunk: ChunkMeta; outcome: ChunkOutcome }[] = [];
    for (const { fetched, chunk, outcome } of this.attempted) if (chunk && outcome) out.push({ fetched, chunk, outcome });
    return out;
  }

  private drop(attempted: AttemptedChunk): void {
    this.dropped.add(attempted);
    this.held.delete(attempted.fetched.entryId);
  }
}
