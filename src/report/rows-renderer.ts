import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SheetRowsRenderer, type RenderedRows, type RowsSetup, type RowsSheet } from './sheet-rows.js';

export interface RenderRequest {
  readonly id: number;
  readonly sheet: RowsSheet;
  readonly elements: readonly Uint8Array[];
}

export type RenderReply = { readonly id: number; readonly parts: RenderedRows[] } | { readonly id: number; readonly error: string };

/** Renders outcome-list elements as sheet rows (SheetRowsRenderer), answering in the order asked. */
export interface RowsRenderer {
  render(sheet: RowsSheet, elements: readonly Uint8Array[]): Promise<RenderedRows[]>;
  close(): Promise<void>;
}

/**
 * The thread's new space: its rows die young, and V8's default (three 16 MB semi-spaces) added
 * ~20 MB to the report's peak RSS for no measurable speed.
 */
const YOUNG_GENERATION_MB = 8;

/** The compiled worker beside this module; absent when running from the TypeScript sources. */
const WORKER_URL = new URL('./render-worker.js', import.meta.url);

/**
 * A renderer in a worker thread when the compiled worker is there: decoding and rendering the
 * rows is most of a report's work, and there it runs on the second core while this thread reads
 * Redis and feeds the deflater (itself in zlib's thread pool). Otherwise in this thread.
 */
export function startRowsRenderer(setup: RowsSetup): RowsRenderer {
  if (!existsSync(fileURLToPath(WORKER_URL))) {
    const renderer = new SheetRowsRenderer(setup);
    return { render: async (sheet, elements) => renderer.render(sheet, elements), close: async () => {} };
  }
  return new ThreadRenderer(setup);
}

class ThreadRenderer implements RowsRenderer {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (parts: RenderedRows[]) => void; reject: (err: Error) => void }>();
  private next = 0;
  private failure: Error | null = null;

  constructor(setup: RowsSetup) {
    this.worker = new Worker(WORKER_URL, { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    this.worker.on('message', (reply: RenderReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if ('error' in reply) waiter?.reject(new Error(reply.error));
      else waiter?.resolve(reply.parts);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the report's rendering thread stopped (exit code ${code})`)));
  }

  render(sheet: RowsSheet, elements: readonly Uint8Array[]): Promise<RenderedRows[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, sheet, elements } satisfies RenderRequest);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the report is over');
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}
