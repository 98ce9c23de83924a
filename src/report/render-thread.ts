import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { startThread } from '../heap-flags.js';
import type { RenderSetup } from './rows-renderer.js';
import type { RowsSetup } from './sheet-rows.js';

/**
 * Starting a report's rendering thread (render-worker.ts, driven by rows-renderer.ts), now or
 * ahead of the report. Kept apart from the renderer so that the command line can start the
 * thread before it loads anything else.
 */

/** The compiled worker beside this module; absent when running from the TypeScript sources. */
const WORKER_URL = new URL('./render-worker.js', import.meta.url);

/**
 * The thread's new space: imported rows are rendered from their bytes with little made on the
 * JS heap, and V8's default (three 16 MB semi-spaces) added ~20 MB to the report's peak RSS for
 * no measurable speed.
 */
const YOUNG_GENERATION_MB = 2;

/** Starts the thread, with its setup as workerData or (started ahead) none yet. */
function launch(workerData?: RowsSetup): Worker {
  return startThread(WORKER_URL, { workerData, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
}

/** A thread started ahead (prestartRenderThread), until a report takes it. */
let ahead: { readonly worker: Worker; failed: boolean } | null = null;

/** True when the thread's code is there (it is not when running from the TypeScript sources). */
export function renderThreadBuilt(): boolean {
  return existsSync(fileURLToPath(WORKER_URL));
}

/**
 * Starts the rendering thread of a report about to be written, so that it loads (~0.2 s) while
 * this thread loads the command line, connects to Redis and reads the import, instead of after.
 * The next report takes it; until then it keeps no process alive, and one that failed to start
 * is replaced by a new one then.
 */
export function prestartRenderThread(): void {
  if (ahead || !renderThreadBuilt()) return;
  const started = { worker: launch(), failed: false };
  started.worker.once('error', () => (started.failed = true));
  started.worker.once('exit', () => (started.failed = true));
  started.worker.unref();
  ahead = started;
}

/** A rendering thread set up for a report: the one started ahead if it is up, else a new one. */
export function startRenderThread(setup: RowsSetup): Worker {
  const taken = ahead;
  ahead = null;
  if (taken && !taken.failed) {
    taken.worker.removeAllListeners('error').removeAllListeners('exit');
    taken.worker.ref();
    taken.worker.postMessage({ setup } satisfies RenderSetup);
    return taken.worker;
  }
  if (taken) void taken.worker.terminate();
  return launch(setup);
}
