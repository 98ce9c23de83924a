-- Cancels an import: marks it cancelled and drops its queued chunks, so workers fetch nothing
-- more from it (a chunk already in a worker's hands is still recorded, its rows counted, when
-- it comes back: see record-chunk.lua; an enqueue still reading the file is refused its next chunk, see
-- enqueue-chunk.lua). Rows already imported stay imported.
-- KEYS[1] meta hash, KEYS[2] chunks stream
-- ARGV[1] now (ms), ARGV[2] the reason, kept as the import's error
-- Returns the state before the call: 'enqueuing' or 'processing' (now cancelled), or
-- 'complete', 'failed', 'cancelled' (nothing changed). Error NO_IMPORT when there is no record
-- (typed in src/redis/script-errors.ts).
local state = redis.call('HGET', KEYS[1], 'state')
if state == false then
  return redis.error_reply('NO_IMPORT')
end
if state ~= 'enqueuing' and state ~= 'processing' then
  return state
end
redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finishedAt', ARGV[1], 'error', ARGV[2])
redis.call('XTRIM', KEYS[2], 'MAXLEN', 0)
return state
