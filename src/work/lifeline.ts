import { startThread } from '../heap-flags.js';

/** How often a worker process tells its supervisor that its event loop runs (supervise.ts). */
export const HEARTBEAT_MS = 500;
/**
 * How long a worker process's heartbeats may stop before its supervisor kills it: the visibility
 * timeout (its chunks go to other workers then anyway), never under 2 s, which covers a process
 * still loading its modules.
 */
export function silenceLimitMs(visibilityTimeoutMs: number): number {
  return Math.max(visibilityTimeoutMs, 2000);
}
/** How often the lifeline looks whether the supervisor is still this process's parent. */
const LIFELINE_POLL_MS = 250;

// Runs on its own thread and event loop: it still runs while the main thread is blocked in one
// row's check, which is exactly when an orphan could not see that its IPC channel closed.
const LIFELINE_SOURCE = `
const { workerData } = require('node:worker_threads');
let orphanedAt = 0;
setInterval(() => {
  if (process.ppid === workerData.supervisor) return;
  if (orphanedAt === 0) orphanedAt = Date.now();
  else if (Date.now() - orphanedAt >= workerData.graceMs) process.kill(process.pid, 'SIGKILL');
}, workerData.pollMs);
`;

/**
 * Ends this worker process when its supervisor is gone (exited, or SIGKILLed: the process is
 * then reparented), `graceMs` later: time for the chunks in flight to finish when the main thread
 * can still stop by itself, no more when it cannot. A chunk killed in flight goes to another worker
 * after the visibility timeout, and its effects are idempotent.
 */
export function startLifeline(supervisorPid: number, graceMs: number): void {
  if (!Number.isInteger(supervisorPid) || supervisorPid <= 0) return;
  if (process.ppid !== supervisorPid) process.kill(process.pid, 'SIGKILL');
  const thread = startThread(LIFELINE_SOURCE, { eval: true, workerData: { supervisor: supervisorPid, graceMs, pollMs: LIFELINE_POLL_MS } });
  // The thread never keeps the process alive: the process ends when its work does.
  thread.unref();
}

/**
 * Tells the supervisor, every HEARTBEAT_MS, that this process's event loop runs. A loop blocked
 * (one row's check that never returns) stops the beats, and the supervisor kills the process.
 */
export function startHeartbeat(send: () => void): void {
  send();
  setInterval(send, HEARTBEAT_MS).unref();
}
