-- Adds one chunk of rows as a task, exactly once, and claims its unique values in file order.
-- Chunks must arrive in order: chunk n is accepted only after chunks 0..n-1, so a resumed
-- enqueue that sends a chunk again changes nothing.
-- KEYS[1] meta hash, KEYS[2] tasks stream, KEYS[3..] one hash per unique column
-- ARGV[1] chunk number, ARGV[2] row number of its first row, ARGV[3] row count,
-- ARGV[4] payload, ARGV[5] now (ms),
-- ARGV[6..] for each unique column in KEYS order, one value per row ('' = empty, not checked)
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
  for i = 0, count - 1 do
    local value = ARGV[argi]
    argi = argi + 1
    if value ~= '' then
      local row = first + i
      if redis.call('HSETNX', KEYS[k], value, row) == 0 then
        local prev = redis.call('HGET', KEYS[k], value)
        if tonumber(prev) ~= row then
          dups[#dups + 1] = i .. ':' .. (k - 3) .. ':' .. prev
        end
      end
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
