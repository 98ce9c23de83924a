-- Takes up again an import failed because its target stayed unavailable (give-up-import.lua):
-- back to 'processing', or straight to 'complete' when every row was recorded meanwhile (a save
-- that succeeded as it gave up). Its waiting starts afresh.
-- KEYS[1] meta hash
-- ARGV[1] now (ms)
-- Returns the state afterwards ('processing' or 'complete'), or the state unchanged when the
-- import was not failed for its target.
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'failed' or redis.call('HGET', KEYS[1], 'failedFor') ~= 'target' then
  return state
end
redis.call('HDEL', KEYS[1], 'error', 'finishedAt', 'failedFor', 'waitingSince', 'waitingReason')
local total = tonumber(redis.call('HGET', KEYS[1], 'total'))
local done = tonumber(redis.call('HGET', KEYS[1], 'succeeded') or '0') + tonumber(redis.call('HGET', KEYS[1], 'failed') or '0')
if total and done >= total then
  redis.call('HSET', KEYS[1], 'state', 'complete', 'finishedAt', ARGV[1])
  return 'complete'
end
redis.call('HSET', KEYS[1], 'state', 'processing')
return 'processing'
