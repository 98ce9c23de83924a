/**
 * Entry of a worker process started by the supervisor. It stops taking chunks when told to
 * (SIGTERM, SIGINT) or when its supervisor goes away (the IPC channel closes, even after a
 * SIGKILL of the supervisor), so no orphan keeps working unseen. A second signal exits at once.
 * Neither needs this process's event loop to run: its lifeline thread kills an orphan, and the
 * supervisor kills a process whose heartbeats stop (lifeline.ts).
 */
import { connectRedis, closeRedis } from '../redis/connection.js';
import { errorMessage, ImporterError, nameOptionsAs } from '../errors.js';
import { work } from './work.js';
import { startHeartbeat, startLifeline } from './lifeline.js';
import { SUPERVISOR_PID_ENV, WORKER_OPTIONS_ENV, type WorkerMessage, type WorkerProcessOptions } from './worker-process.js';

/** How long an orphaned worker process has to finish its chunks in flight before it is killed. */
const ORPHAN_GRACE_MS = 3000;

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

async function main(): Promise<void> {
  startLifeline(Number(process.env[SUPERVISOR_PID_ENV]), ORPHAN_GRACE_MS);
  // Never stopped: its timer does not keep the process alive, and a process closing its
  // connections after its last chunk must not look blocked.
  startHeartbeat(() => send({ type: 'alive' }));
  const options = JSON.parse(process.env[WORKER_OPTIONS_ENV] ?? '{}') as WorkerProcessOptions;
  nameOptionsAs(options.optionNames ?? {});
  const controller = new AbortController();
  let signals = 0;
  const stop = (): void => {
    signals++;
    if (signals > 1) process.exit(1);
    controller.abort();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', () => controller.abort());
  // A supervisor that died while this process was still loading its modules closed the channel
  // before the listener above existed: that 'disconnect' was missed, and without this check the
  // process would run on for ever as an orphan.
  if (process.send !== undefined && !process.connected) controller.abort();

  const redis = await connectRedis({ url: options.redisUrl, maxRetriesPerRequest: null, role: 'worker' });
  try {
    const summary = await work({
      redis,
      prefix: options.prefix,
      concurrency: options.concurrency,
      untilIdle: options.untilIdle,
      importId: options.importId,
      visibilityTimeoutMs: options.visibilityTimeoutMs,
      maxAttempts: options.maxAttempts,
      giveUpAfterMs: options.giveUpAfterMs,
      targets: options.targets,
      signal: controller.signal,
      onChunk: (event) => send({ type: 'chunk', event }),
      onWarning: (message) => send({ type: 'warning', message }),
    });
    send({ type: 'done', summary });
  } finally {
    await closeRedis(redis);
  }
}

main().then(
  () => {
    if (process.connected) process.disconnect();
    process.exitCode = 0;
  },
  (err: unknown) => {
    // An operational error (a named import that does not exist) goes to the supervisor, which
    // reports it once; anything else is this process's own trouble, and it is replaced.
    if (err instanceof ImporterError && process.connected) process.send?.({ type: 'fatal', message: err.message } satisfies WorkerMessage, () => process.exit(1));
    else {
      process.stderr.write(`importer worker ${process.pid}: ${errorMessage(err)}\n`);
      process.exit(1);
    }
  },
);
