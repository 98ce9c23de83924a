-- Notes that an import's target is unavailable: since when (kept from the first worker that
-- saw it, until a save succeeds) and why (the latest words). An import no longer open is left
-- alone, and a record that is gone is not created again.
-- KEYS[1] meta hash
-- ARGV[1] reason, ARGV[2] now (ms)
-- Returns the waitingSince (ms, as a string), or false when the import is not open.
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'enqueuing' and state ~= 'processing' then
  return false
end
redis.call('HSETNX', KEYS[1], 'waitingSince', ARGV[2])
redis.call('HSET', KEYS[1], 'waitingReason', ARGV[1])
return redis.call('HGET', KEYS[1], 'waitingSince')
