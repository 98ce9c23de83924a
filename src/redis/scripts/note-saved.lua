-- Notes that a save into an import's target succeeded: the import waits no longer. A record
-- that is gone (purged, expired) is not created again.
-- KEYS[1] meta hash
-- ARGV[1] now (ms)
-- Returns 1 when the record exists, else 0.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'lastSaveAt', ARGV[1])
redis.call('HDEL', KEYS[1], 'waitingSince', 'waitingReason')
return 1
