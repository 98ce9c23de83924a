-- Makes this enqueue the one reading an import's file (a resumed enqueue), unless another
-- enqueue is reading it now: two reading one file at once would race for its chunks.
-- KEYS[1] meta hash
-- ARGV[1] now (ms), ARGV[2] silence (ms) after which an enqueue counts as stopped,
-- ARGV[3] this enqueue's host, ARGV[4] its process id,
-- ARGV[5] the process id of the recorded enqueue when the caller, on the same host, knows it
--   has stopped (its process is gone, or it is the caller's own, finished), else ''
-- Returns {1} when this enqueue now reads the import; {0, host, pid, last beat (ms)} when
-- another does (nothing changed); {2, state} when the import no longer takes rows.
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'enqueuing' then
  return {2, tostring(state)}
end
local fields = redis.call('HMGET', KEYS[1], 'enqueueHost', 'enqueuePid', 'enqueueBeat')
local host = fields[1]
local pid = fields[2]
local beat = tonumber(fields[3] or '0') or 0
local stopped = (not host) or (tonumber(ARGV[1]) - beat > tonumber(ARGV[2])) or (host == ARGV[3] and pid == ARGV[5])
if not stopped then
  return {0, host, tostring(pid), tostring(beat)}
end
redis.call('HSET', KEYS[1], 'enqueueHost', ARGV[3], 'enqueuePid', ARGV[4], 'enqueueBeat', ARGV[1])
return {1}
