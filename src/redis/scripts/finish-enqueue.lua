-- Seals an import once every row of the file is queued: its total becomes known, and its unique
-- values' keys are deleted: each chunk carries its rows' verdicts (the 'u' field), and no chunk
-- can be added any more (enqueue-chunk.lua takes rows only while 'enqueuing'), so nothing reads
-- them again. UNLINK frees them off the main thread.
-- KEYS[1] meta hash, KEYS[2..] the unique values' bucket hashes and arrays (unique-values.ts)
-- ARGV[1] total data rows, ARGV[2] now (ms)
-- Returns the import's state afterwards ('processing' or 'complete', or the state it had when
-- it was no longer enqueuing). Error COUNT_MISMATCH <queued> queued, <read> read when the queued
-- rows disagree with the total (typed in src/redis/script-errors.ts).
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'enqueuing' then
  return state
end
local total = tonumber(ARGV[1])
local queued = tonumber(redis.call('HGET', KEYS[1], 'enqueuedRows') or '0')
if queued ~= total then
  return redis.error_reply('COUNT_MISMATCH ' .. queued .. ' queued, ' .. total .. ' read')
end
redis.call('HSET', KEYS[1], 'total', total, 'enqueueFinishedAt', ARGV[2], 'state', 'processing')
-- unpack() is bounded by Lua's C stack: in slices.
for from = 2, #KEYS, 1000 do
  redis.call('UNLINK', unpack(KEYS, from, math.min(from + 999, #KEYS)))
end
local done = tonumber(redis.call('HGET', KEYS[1], 'succeeded') or '0')
  + tonumber(redis.call('HGET', KEYS[1], 'failed') or '0')
if done >= total then
  redis.call('HSET', KEYS[1], 'state', 'complete', 'finishedAt', ARGV[2])
  return 'complete'
end
return 'processing'
