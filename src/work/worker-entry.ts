/**
 * Entry of a worker process started by the supervisor. It stops taking tasks when told to
 * (SIGTERM, SIGINT) or when its supervisor goes away (the IPC channel closes, even after a
 * SIGKILL of the supervisor), so no orphan keeps working unseen. A second signal exits at once.
 */
import { connectRedis, closeRedis } from '../redis/connection.js';
import { errorMessage } from '../errors.js';
import { work } from './work.js';
import { WORKER_OPTIONS_ENV, type WorkerMessage, type WorkerProcessOptions } from './worker-process.js';

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

async function main(): Promise<void> {
  const options = JSON.parse(process.env[WORKER_OPTIONS_ENV] ?? '{}') as WorkerProcessOptions;
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
    process.stderr.write(`importer worker ${process.pid}: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
