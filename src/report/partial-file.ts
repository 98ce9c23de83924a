import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errorMessage, ImporterError } from '../errors.js';

/**
 * A file written under a temporary name beside its place and renamed there once complete, so
 * that it never exists half-written. `failed` rejects when the stream fails (race it with the
 * writing); `label` names the file in errors ("report", "errors workbook").
 */
export class PartialFile {
  readonly stream: WriteStream;
  readonly failed: Promise<never>;
  private readonly partial: string;

  constructor(
    readonly out: string,
    private readonly label: string,
  ) {
    this.partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
    this.stream = createWriteStream(this.partial);
    this.failed = new Promise<never>((_, reject) => this.stream.once('error', reject));
    this.failed.catch(() => {});
  }

  /** Renames the complete file into place (the stream has finished). */
  async commit(): Promise<void> {
    try {
      await rename(this.partial, this.out);
    } catch (err) {
      await this.discard();
      throw this.writeError(err);
    }
  }

  /**
   * Removes what was written. The stream opens its file asynchronously: it is closed first, so
   * that an open still under way cannot create the file again after it was removed (a failure
   * met right after the start left the partial file behind).
   */
  async discard(): Promise<void> {
    if (!this.stream.closed) {
      const closed = new Promise<void>((resolve) => this.stream.once('close', () => resolve()));
      this.stream.destroy();
      await closed;
    }
    await rm(this.partial, { force: true });
  }

  /** An error of the writing as an ImporterError naming the file (ImporterErrors pass as they are). */
  writeError(err: unknown): ImporterError {
    if (err instanceof ImporterError) return err;
    return new ImporterError('input', `cannot write ${this.label} ${this.out}: ${errorMessage(err)}`, { cause: err });
  }
}
