-- Adds one chunk of rows as a task, exactly once, and claims its unique values in file order.
-- Chunks must arrive in order: chunk n is accepted only after chunks 0..n-1, so a resumed
-- enqueue that sends a chunk again changes nothing.
-- KEYS[1] meta hash, KEYS[2] tasks stream. The unique values' bucket hashes share the import's
-- hash tag (one slot): their names are built here from ARGV[8..], not listed as keys.
-- ARGV[1] chunk number, ARGV[2] row number of its first row, ARGV[3] row count,
-- ARGV[4] payload, ARGV[5] now (ms),
-- ARGV[6] the chunk's unique values, grouped by the client (cjson decodes them in C; a Lua
--   loop or a call per value cost several times the hash operations themselves): a JSON array
--   of [unique slot, bucket, [values], [row number of each, as text]], each value once per
--   chunk, at its first row in the chunk
-- ARGV[7] the rows that repeat a value of an earlier row of the same chunk, as a flat JSON
--   array of row index, unique slot, row number of that earlier row (as text)
-- ARGV[8..] for each unique slot, the name of its bucket hashes without the bucket number
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
local groups = cjson.decode(ARGV[6])
local repeats = cjson.decode(ARGV[7])
-- Who owns each value of the chunk (its first row in the file), for the repeats within it.
local owners = #repeats > 0 and {} or nil
-- unpack() is bounded by Lua's C stack: calls take at most this many values.
local SLICE = 4000
for g = 1, #groups do
  local group = groups[g]
  local slot = group[1]
  local key = ARGV[8 + slot] .. group[2]
  local values = group[3]
  local rows = group[4]
  local n = #values
  local found
  if n <= SLICE then
    found = redis.call('HMGET', key, unpack(values))
  else
    found = {}
    for from = 1, n, SLICE do
      local part = redis.call('HMGET', key, unpack(values, from, math.min(from + SLICE - 1, n)))
      for i = 1, #part do
        found[from + i - 1] = part[i]
      end
    end
  end
  local fresh = {}
  for i = 1, n do
    local row = rows[i]
    local prev = found[i]
    if prev then
      if prev ~= row then
        dups[#dups + 1] = (tonumber(row) - first) .. ':' .. slot .. ':' .. prev
      end
    else
      fresh[#fresh + 1] = values[i]
      fresh[#fresh + 1] = row
      prev = row
    end
    if owners then
      owners[slot .. ':' .. row] = prev
    end
  end
  for from = 1, #fresh, 2 * SLICE do
    redis.call('HSET', key, unpack(fresh, from, math.min(from + 2 * SLICE - 1, #fresh)))
  end
end
for r = 1, #repeats, 3 do
  local slot = repeats[r + 1]
  dups[#dups + 1] = repeats[r] .. ':' .. slot .. ':' .. owners[slot .. ':' .. repeats[r + 2]]
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
