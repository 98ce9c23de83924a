import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { renderThreadBuilt, startRenderThread } from './render-thread.js';
import { PIECE_BYTES, SheetRowsRenderer, type RenderedRows, type RowsSetup, type RowsSheet } from './sheet-rows.js';

export interface RenderRequest {
  readonly id: number;
  readonly sheet: RowsSheet;
  readonly elements: readonly Uint8Array[];
  /** Index in its list of the batch's first row. */
  readonly first: number;
  /** Memory of pieces written out since the last request, handed back to be written into again. */
  readonly reused: ArrayBuffer[];
}

export type RenderReply = { readonly id: number; readonly parts: RenderedRows[] } | { readonly id: number; readonly error: string };

/** The first message to a thread started before its report knew its import (prestartRenderThread). */
export interface RenderSetup {
  readonly setup: RowsSetup;
}

/**
 * Renders outcome-list elements as sheet rows (SheetRowsRenderer). Batches may be rendered in
 * any order: each says where its rows start in their list.
 */
export interface RowsRenderer {
  render(sheet: RowsSheet, elements: readonly Uint8Array[], first: number): Promise<RenderedRows[]>;
  /** Gives back a piece of rendered XML once written out, so that its memory serves again. */
  readonly recycle: (piece: Uint8Array) => void;
  close(): Promise<void>;
}

/**
 * Batches the rendering thread may hold before this thread renders the next one itself: one
 * being rendered and two waiting, so that it never idles between two while this thread is busy
 * writing (batches of one chunk render in a few milliseconds). On two cores, none: the rendering
 * thread alone keeps ahead of the deflater, and this thread's rendering only took CPU from it
 * and from the deflater (compiling the renderers a second time, more collections). Rendering in
 * the thread alone, measured on two cores (farm-bench, 10 pairs): the report of 1,000,000 ASCII
 * rows 0.96x the wall time and 0.95x the CPU, of 500,000 realistic rows 0.94x and 0.91x.
 */
const THREAD_AHEAD = availableParallelism() > 2 ? 3 : Number.POSITIVE_INFINITY;

/**
 * Rendering the rows is most of a report's work. A worker thread renders batches on the second
 * core; this thread, which otherwise only reads Redis and feeds the deflater (itself in zlib's
 * thread pool), renders a batch whenever the worker already has enough to do (on more than two
 * cores: THREAD_AHEAD). From the TypeScript sources (no compiled worker), everything is rendered here.
 */
export function startRowsRenderer(setup: RowsSetup): RowsRenderer {
  const here = new LocalRenderer(setup);
  return renderThreadBuilt() ? new SharedRenderer(new ThreadRenderer(setup), here) : here;
}

/** Renders in this thread. */
class LocalRenderer implements RowsRenderer {
  private readonly renderer: SheetRowsRenderer;
  /** Memory this renderer made, recognised when it comes back (the thread's goes back there). */
  readonly own = new WeakSet<ArrayBufferLike>();

  constructor(setup: RowsSetup) {
    this.renderer = new SheetRowsRenderer(setup);
  }

  async render(sheet: RowsSheet, elements: readonly Uint8Array[], first: number): Promise<RenderedRows[]> {
    const parts = this.renderer.render(sheet, elements, first);
    for (const part of parts) for (const piece of part.xml) this.own.add(piece.buffer);
    return parts;
  }

  readonly recycle = (piece: Uint8Array): void => this.renderer.reuse(piece.buffer as ArrayBuffer);

  async close(): Promise<void> {}
}

/** The worker thread first, this thread when the worker has THREAD_AHEAD batches already. */
class SharedRenderer implements RowsRenderer {
  constructor(
    private readonly thread: ThreadRenderer,
    private readonly here: LocalRenderer,
  ) {}

  render(sheet: RowsSheet, elements: readonly Uint8Array[], first: number): Promise<RenderedRows[]> {
    return this.thread.pending < THREAD_AHEAD ? this.thread.render(sheet, elements, first) : this.here.render(sheet, elements, first);
  }

  readonly recycle = (piece: Uint8Array): void => (this.here.own.has(piece.buffer) ? this.here.recycle(piece) : this.thread.recycle(piece));

  async close(): Promise<void> {
    await this.thread.close();
  }
}

/** Renders in a worker thread, answering in the order asked. */
class ThreadRenderer implements RowsRenderer {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (parts: RenderedRows[]) => void; reject: (err: Error) => void }>();
  private next = 0;
  private failure: Error | null = null;
  /**
   * Pieces' memory to hand back with the next request. Handing the thread's buffers over and
   * never back left each to this thread's garbage collector, which let ~60 MB of them wait.
   */
  private reused: ArrayBuffer[] = [];

  constructor(setup: RowsSetup) {
    this.worker = startRenderThread(setup);
    this.worker.on('message', (reply: RenderReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if ('error' in reply) waiter?.reject(new Error(reply.error));
      else waiter?.resolve(reply.parts);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the report's rendering thread stopped (exit code ${code})`)));
  }

  /** Batches asked for and not answered yet. */
  get pending(): number {
    return this.waiting.size;
  }

  render(sheet: RowsSheet, elements: readonly Uint8Array[], first: number): Promise<RenderedRows[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.next++;
    const reused = this.reused;
    this.reused = [];
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, sheet, elements, first, reused } satisfies RenderRequest, reused);
    });
  }

  readonly recycle = (piece: Uint8Array): void => {
    if (piece.buffer.byteLength === PIECE_BYTES && !this.failure) this.reused.push(piece.buffer as ArrayBuffer);
  };

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
