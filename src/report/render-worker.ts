import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.js';
import { SheetRowsRenderer, type RowsSetup } from './sheet-rows.js';
import type { RenderReply, RenderRequest, RenderSetup } from './rows-renderer.js';

/**
 * The worker thread of a report (rows-renderer.ts): renders the rows of outcome-list elements
 * as sheet XML, in the order asked, and hands the bytes back without copying them. Its setup
 * comes as its workerData, or, for a thread started ahead of its report, as the first message.
 */
let renderer = workerData ? new SheetRowsRenderer(workerData as RowsSetup) : null;
const port = parentPort!;
port.on('message', (request: RenderRequest | RenderSetup) => {
  if ('setup' in request) {
    renderer = new SheetRowsRenderer(request.setup);
    return;
  }
  let reply: RenderReply;
  try {
    if (!renderer) throw new Error('the rendering thread was asked for rows before its setup');
    for (const memory of request.reused) renderer.reuse(memory);
    reply = { id: request.id, parts: renderer.render(request.sheet, request.elements, request.first) };
  } catch (err) {
    port.postMessage({ id: request.id, error: errorMessage(err) } satisfies RenderReply);
    return;
  }
  port.postMessage(reply, reply.parts.flatMap((part) => part.xml.map((piece) => piece.buffer as ArrayBuffer)));
});
