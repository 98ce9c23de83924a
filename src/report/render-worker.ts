import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.js';
import { SheetRowsRenderer, type RowsSetup } from './sheet-rows.js';
import type { RenderReply, RenderRequest } from './rows-renderer.js';

/**
 * The worker thread of a report (rows-renderer.ts): renders the rows of outcome-list elements
 * as sheet XML, in the order asked, and hands the bytes back without copying them.
 */
const renderer = new SheetRowsRenderer(workerData as RowsSetup);
const port = parentPort!;
port.on('message', (request: RenderRequest) => {
  for (const memory of request.reused) renderer.reuse(memory);
  let reply: RenderReply;
  try {
    reply = { id: request.id, parts: renderer.render(request.sheet, request.elements, request.first) };
  } catch (err) {
    port.postMessage({ id: request.id, error: errorMessage(err) } satisfies RenderReply);
    return;
  }
  port.postMessage(reply, reply.parts.flatMap((part) => part.xml.map((piece) => piece.buffer as ArrayBuffer)));
});
