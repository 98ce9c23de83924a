-- Adds one chunk of rows as a task, exactly once, and claims its unique values in file order.
-- Chunks must arrive in order: chunk n is accepted only after chunks 0..n-1, so a resumed
-- enqueue that sends a chunk again changes nothing.
-- KEYS[1] meta hash, KEYS[2] tasks stream,
-- KEYS[3..] for each unique value below, the bucket hash it belongs in
-- ARGV[1] chunk number, ARGV[2] row number of its first row, ARGV[3] row count,
-- ARGV[4] payload, ARGV[5] now (ms),
-- ARGV[6..] for each unique value, in file order within each unique column: the row's index in
-- the chunk, the column's unique slot, the value (3 arguments each)
-- Returns 1 when added, 0 when the chunk was already there.
-- Errors: IMPORT_CLOSED <state> when the import no longer takes rows; CHUNK_GAP <expected>.
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'enqueuing' then
  return redis.error_reply('IMPORT_CLOSED ' .. tostring(state))
end
local chunk = tonumber(ARGV[1])
local have = tonumber(redis.call('HGET', KEYS[1], 'enqueuedChunks') or '0')
if chunk < have then
  return 0
end
if chunk > have then
  return redis.error_reply('CHUNK_GAP ' .. have)
end
local first = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local dups = {}
local argi = 6
for k = 3, #KEYS do
  local index = tonumber(ARGV[argi])
  local slot = ARGV[argi + 1]
  local value = ARGV[argi + 2]
  argi = argi + 3
  local row = first + index
  if redis.call('HSETNX', KEYS[k], value, row) == 0 then
    local prev = redis.call('HGET', KEYS[k], value)
    if tonumber(prev) ~= row then
      dups[#dups + 1] = index .. ':' .. slot .. ':' .. prev
    end
  end
end
local id = chunk .. '-1'
if #dups > 0 then
  redis.call('XADD', KEYS[2], id, 'd', ARGV[4], 'u', table.concat(dups, ','))
else
  redis.call('XADD', KEYS[2], id, 'd', ARGV[4])
end
redis.call('HINCRBY', KEYS[1], 'enqueuedChunks', 1)
redis.call('HINCRBY', KEYS[1], 'enqueuedRows', count)
redis.call('HSET', KEYS[1], 'enqueueBeat', ARGV[5])
return 1
