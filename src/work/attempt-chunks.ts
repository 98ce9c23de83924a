import type { TaskChunk } from '../chunks/chunk-codec.js';
import type { ChunkOutcome } from './process-chunks.js';
import type { FetchedTask } from './chunk-fetcher.js';

/** What recording a chunk's outcome needs of it, once its rows are let go of. */
export interface ChunkMeta {
  readonly chunk: number;
  readonly rows: number;
  readonly payload: string;
}

/** A task's chunk, with its outcome already decided when its rows cannot be worked on. */
export interface ReadTask {
  readonly chunk: TaskChunk;
  readonly outcome?: ChunkOutcome;
}

/** A task that cannot be read back and whose rows cannot be counted: its import cannot complete. */
export class UnreadableTaskError extends Error {}

/** One task as one attempt goes: read, then with its outcome once decided. */
export interface AttemptedTask {
  readonly task: FetchedTask;
  chunk?: ChunkMeta;
  outcome?: ChunkOutcome;
}

/**
 * The tasks of one attempt of a slot at saving them, as they go through it. Their chunks are
 * read one at a time as processChunks asks for them (chunks()), and processChunks lets go of each
 * one's rows once checked: a batch's rows held at once cost more to collect than to build. What
 * recording needs is kept instead (ChunkMeta).
 *
 * - `tasks`: every task still held when the attempt began, in order;
 * - `checked`: those handed to processChunks, in the order of its outcomes (setOutcomes);
 * - a task whose outcome reading decided (unreadable rows, given up after many deliveries) has it
 *   at once and is not checked;
 * - a task that could not be read is dropped: let go of (`held`), and either `unreadable` (its
 *   import must fail) or left for another worker after the visibility timeout (`onLeft`).
 */
export class AttemptTasks {
  /**
   * How the attempt ended: the rows saved (or none to save); the target unavailable (nothing
   * decided for the checked tasks: they are attempted again); or abandoned (abandonUnsaved).
   */
  ending: 'saved' | 'targetUnavailable' | 'abandoned' = 'saved';
  readonly tasks: AttemptedTask[];
  readonly checked: AttemptedTask[] = [];
  readonly unreadable: { task: FetchedTask; reason: string }[] = [];
  private readonly dropped = new Set<AttemptedTask>();

  constructor(
    tasks: readonly FetchedTask[],
    /** The import's tasks this worker holds (renewed while held): a dropped task leaves it. */
    private readonly held: Set<string>,
    private readonly read: (task: FetchedTask) => ReadTask,
    private readonly onLeft: (task: FetchedTask, err: unknown) => void,
  ) {
    this.tasks = tasks.filter((task) => held.has(task.entryId)).map((task) => ({ task }));
  }

  /** The chunks to check and save, read as they are asked for. */
  *chunks(): Generator<TaskChunk> {
    for (const attempted of this.tasks) {
      let read: ReadTask;
      try {
        read = this.read(attempted.task);
      } catch (err) {
        this.drop(attempted);
        if (err instanceof UnreadableTaskError) this.unreadable.push({ task: attempted.task, reason: err.message });
        else this.onLeft(attempted.task, err);
        continue;
      }
      attempted.chunk = { chunk: read.chunk.chunk, rows: read.chunk.rows.length, payload: read.chunk.payload };
      if (read.outcome) {
        attempted.outcome = read.outcome;
        continue;
      }
      this.checked.push(attempted);
      yield read.chunk;
    }
  }

  /** processChunks' outcomes, one per checked task. */
  setOutcomes(outcomes: readonly ChunkOutcome[]): void {
    this.checked.forEach((attempted, i) => (attempted.outcome = outcomes[i]));
  }

  /**
   * After processChunks failed with no answer about the target: the checked tasks and those not
   * read yet are let go of (left to another worker after the visibility timeout), each told to
   * `onLeft`. Those whose outcome reading decided stay to be recorded.
   */
  abandonUnsaved(err: unknown): void {
    this.ending = 'abandoned';
    for (const attempted of this.tasks) {
      if (this.dropped.has(attempted) || (attempted.outcome && !this.checked.includes(attempted))) continue;
      this.onLeft(attempted.task, err);
      this.drop(attempted);
      attempted.outcome = undefined;
    }
  }

  /** The tasks with an outcome to record. */
  toRecord(): { task: FetchedTask; chunk: ChunkMeta; outcome: ChunkOutcome }[] {
    const out: { task: FetchedTask; chunk: ChunkMeta; outcome: ChunkOutcome }[] = [];
    for (const { task, chunk, outcome } of this.tasks) if (chunk && outcome) out.push({ task, chunk, outcome });
    return out;
  }

  private drop(attempted: AttemptedTask): void {
    this.dropped.add(attempted);
    this.held.delete(attempted.task.entryId);
  }
}
