-- Records the outcome of one chunk exactly once: pushes its rows to the success and error
-- lists, bumps the counters, acknowledges and deletes the chunk, and completes the import when
-- every row is accounted for. A chunk recorded before (then redelivered) changes nothing.
-- KEYS[1] meta hash, KEYS[2] chunks stream, KEYS[3] done bitmap, KEYS[4] succeeded list,
-- KEYS[5] failed list
-- ARGV[1] consumer group, ARGV[2] chunk number, ARGV[3] now (ms), ARGV[4] rows imported,
-- ARGV[5] rows failed, ARGV[6] the chunk's success list element ('' when no row was imported),
--   stored as it is (bytes: packed by the worker); except the first line alone of a text entry
--   (`S,<failed index>...`, no line break), sent by versions that stored entries as text: the
--   script puts the payload ('d' field) of the chunk's entry '<chunk>-1' behind it, read from the
--   stream. These formats are owned by src/redis/codec.ts.
-- ARGV[7] the incarnation the worker saved the chunk under (its entry's 'i', ImportSettings.incarnation)
-- ARGV[8 ..] the chunk's error list elements, stored as they are: one packed element for all its
--   failed rows, or (versions that stored text) one per failed row
-- A chunk of an import failed or cancelled while it was in a worker's hands is still
-- recorded (counted and listed, the state left as it is): its rows may be saved in the target
-- already, and the report and counts must show them.
-- Returns 'recorded', 'complete' (this chunk completed the import), 'duplicate' (recorded
-- before), 'skipped' (nothing to record into: the import is complete or gone), 'stale' (nothing
-- done: the record is another incarnation's, the import having been purged or expired and
-- created again under its id; the chunk of the same number in the stream is the new import's),
-- or 'resend' (nothing done: a first line alone was sent and the chunk is not in the stream to
-- take its payload from; call again with the whole entry).
local id = ARGV[2] .. '-1'
local function ack()
  redis.call('XACK', KEYS[2], ARGV[1], id)
  redis.call('XDEL', KEYS[2], id)
end
local state = redis.call('HGET', KEYS[1], 'state')
if state and (redis.call('HGET', KEYS[1], 'incarnation') or '') ~= ARGV[7] then
  return 'stale'
end
-- An import failed because its target stayed unavailable is resumed by a later `work`
-- (resume-import.lua completes it then); one failed otherwise, or cancelled, keeps its state.
if state ~= 'enqueuing' and state ~= 'processing' and state ~= 'failed' and state ~= 'cancelled' then
  ack()
  return 'skipped'
end
if redis.call('GETBIT', KEYS[3], tonumber(ARGV[2])) == 1 then
  ack()
  return 'duplicate'
end
local entry = ARGV[6]
if string.sub(entry, 1, 1) == 'S' and not string.find(entry, '\n', 1, true) then
  local stored = redis.call('XRANGE', KEYS[2], id, id)[1]
  local payload = nil
  if stored then
    local fields = stored[2]
    for f = 1, #fields, 2 do
      if fields[f] == 'd' then
        payload = fields[f + 1]
      end
    end
  end
  if not payload then
    return 'resend'
  end
  entry = entry .. '\n' .. payload
end
redis.call('SETBIT', KEYS[3], tonumber(ARGV[2]), 1)
local okCount = tonumber(ARGV[4])
local errCount = tonumber(ARGV[5])
local errElements = #ARGV - 7
-- unpack() is bounded by Lua's C stack: push in slices.
local function push(key, from, count)
  local i = from
  local last = from + count - 1
  while i <= last do
    local j = math.min(i + 999, last)
    redis.call('RPUSH', key, unpack(ARGV, i, j))
    i = j + 1
  end
end
if entry ~= '' then
  redis.call('RPUSH', KEYS[4], entry)
end
push(KEYS[5], 8, errElements)
local succeeded = redis.call('HINCRBY', KEYS[1], 'succeeded', okCount)
local failed = redis.call('HINCRBY', KEYS[1], 'failed', errCount)
ack()
if state == 'processing' then
  local total = tonumber(redis.call('HGET', KEYS[1], 'total'))
  if total and succeeded + failed >= total then
    redis.call('HSET', KEYS[1], 'state', 'complete', 'finishedAt', ARGV[3])
    return 'complete'
  end
end
return 'recorded'
