-- Marks an import failed (its file could not be read on) and drops its queued chunks, so no
-- worker goes on with a half-enqueued file.
-- KEYS[1] meta hash, KEYS[2] chunks stream
-- ARGV[1] reason, ARGV[2] now (ms)
-- Returns the state afterwards.
local state = redis.call('HGET', KEYS[1], 'state')
if state == false or state == 'complete' or state == 'failed' or state == 'cancelled' then
  return state
end
redis.call('HSET', KEYS[1], 'state', 'failed', 'error', ARGV[1], 'finishedAt', ARGV[2])
redis.call('XTRIM', KEYS[2], 'MAXLEN', 0)
return 'failed'
