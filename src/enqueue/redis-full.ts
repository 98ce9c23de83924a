import { errorMessage, type ImporterError, optionError } from '../errors.js';

/**
 * Redis's refusal to store more (its maxmemory reached, eviction off), in words and with the
 * way on: the chunks queued so far stay, and the same --id continues after the last of them.
 * Null for any other error.
 */
export function redisFullError(err: unknown, id: string): ImporterError | null {
  const message = errorMessage(err);
  if (!/^OOM\b|OOM command not allowed/.test(message)) return null;
  // Redis's first sentence; the rest names the script and its line.
  const said = /OOM command not allowed[^.]*/.exec(message)?.[0] ?? message.trim();
  return optionError(
    (o) =>
      `Redis is full (maxmemory): it refused to store more of import ${id} (${said}); the rows queued so far are kept: free memory in Redis or raise its maxmemory, then run the same enqueue with ${o('id')} ${id} to continue`,
    'connection',
    err,
  );
}
