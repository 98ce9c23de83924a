-- Adds one chunk of rows as a task, exactly once, and claims its unique values in file order.
-- Chunks must arrive in order: chunk n is accepted only after chunks 0..n-1, so a resumed
-- enqueue that sends a chunk again changes nothing.
-- KEYS[1] meta hash, KEYS[2] tasks stream. The unique values' bucket hashes share the import's
-- hash tag (one slot): their names are built here from ARGV[7..], not listed as keys (one
-- argument per chunk instead of four per row: the client's cost per argument dominated).
-- ARGV[1] chunk number, ARGV[2] row number of its first row, ARGV[3] row count,
-- ARGV[4] payload, ARGV[5] now (ms),
-- ARGV[6] the unique values as one JSON array, for each, in file order within each unique
--   column: row index in the chunk, unique slot, bucket, value (cjson decodes it in C: parsing
--   the values in Lua cost several times the HSETNX itself)
-- ARGV[7..] for each unique slot, the name of its bucket hashes without the bucket number
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
local claims = cjson.decode(ARGV[6])
for c = 1, #claims, 4 do
  local index = claims[c]
  local slot = claims[c + 1]
  local key = ARGV[7 + slot] .. claims[c + 2]
  local value = claims[c + 3]
  local row = first + index
  if redis.call('HSETNX', key, value, row) == 0 then
    local prev = redis.call('HGET', key, value)
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
