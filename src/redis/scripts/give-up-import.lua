-- Fails an import whose target has been unavailable, with no successful save, for at least the
-- workers' --give-up-after. Unlike fail-import.lua its chunks stay in the stream, pending: a later
-- `work` resumes it (resume-import.lua). Only an import fully enqueued is given up on (an enqueue
-- still running takes an import it finds failed out of the active set).
-- KEYS[1] meta hash
-- ARGV[1] give-up-after (ms), ARGV[2] now (ms), ARGV[3] cause in words
-- Returns 'failed' when this call gave up, else 'waiting' (not long enough, or a save succeeded
-- meanwhile) or the import's state.
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'processing' then
  return state
end
local since = tonumber(redis.call('HGET', KEYS[1], 'waitingSince'))
if not since or tonumber(ARGV[2]) - since < tonumber(ARGV[1]) then
  return 'waiting'
end
redis.call('HSET', KEYS[1], 'state', 'failed', 'error', ARGV[3], 'finishedAt', ARGV[2], 'failedFor', 'target')
return 'failed'
