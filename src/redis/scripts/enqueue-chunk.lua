-- Adds one chunk of rows to the chunks stream, exactly once, and claims its unique values in
-- file order.
-- Chunks must arrive in order: chunk n is accepted only after chunks 0..n-1, so a resumed
-- enqueue that sends a chunk again changes nothing.
-- KEYS[1] meta hash, KEYS[2] chunks stream. The unique values' bucket hashes share the import's
-- hash tag (one slot): their names are built here from ARGV[10..], not listed as keys.
-- ARGV[1] chunk number, ARGV[2] row number of its first row, ARGV[3] row count,
-- ARGV[4] payload, ARGV[5] now (ms),
-- ARGV[6] the chunk's unique values, grouped by the client (cjson decodes them in C; a Lua
--   loop or a call per value cost several times the hash operations themselves): a JSON array
--   of [unique slot, bucket, [values], [row number of each, as text]], each value once per
--   chunk, at its first row in the chunk
-- ARGV[7] the rows that repeat a value of an earlier row of the same chunk, as a flat JSON
--   array of row index, unique slot, row number of that earlier row (as text)
-- ARGV[8] the chunk's unique values claimed in arrays (plain integers, see unique-values.ts), a
--   JSON array of entries: [0, slot, array number, byte offset, ARGV index of a slice] where
--   the slice holds 4 bytes per value (the row number of the value at that place, big-endian,
--   or 0 where the chunk has no value); or [1, slot, array number, [value offsets in the
--   array], [row numbers]] for values too sparse for a slice
-- ARGV[9] the import's incarnation as the enqueue read it: an enqueue of an import since purged
--   and created again under the same id must not add its chunks to the new one
-- ARGV[10..] for each unique slot, the name of its bucket hashes without the bucket number (the
--   arrays are named after it with 'n' and their number); then the slices
-- The chunk's stream entry, id '<chunk>-1': 'd' the payload, 'i' the incarnation, 'u' the repeated
-- values as '<index>:<unique slot>:<first row>,...' (formats owned by src/redis/codec.ts).
-- Returns 1 when added, 0 when the chunk was already there.
-- Errors: IMPORT_CLOSED <state> when the import no longer takes rows (IMPORT_CLOSED replaced
-- when the record is another incarnation's); CHUNK_GAP <expected> (typed in
-- src/redis/script-errors.ts).
local state = redis.call('HGET', KEYS[1], 'state')
if state and (redis.call('HGET', KEYS[1], 'incarnation') or '') ~= ARGV[9] then
  return redis.error_reply('IMPORT_CLOSED replaced')
end
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
-- The earlier owner of each value of the chunk that another row of the file already holds
-- (by slot and row), for the rows repeating it within the chunk.
local owners = {}
-- unpack() is bounded by Lua's C stack: calls take at most this many values.
local SLICE = 4000
for g = 1, #groups do
  local group = groups[g]
  local slot = group[1]
  local key = ARGV[10 + slot] .. group[2]
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
        owners[slot .. ':' .. row] = prev
      end
    else
      fresh[#fresh + 1] = values[i]
      fresh[#fresh + 1] = row
    end
  end
  for from = 1, #fresh, 2 * SLICE do
    redis.call('HSET', key, unpack(fresh, from, math.min(from + 2 * SLICE - 1, #fresh)))
  end
end

-- Values claimed in arrays: 4 bytes per value, the row number of its first occurrence (0: none).
local ZERO4 = string.char(0, 0, 0, 0)
local function row_of(bytes)
  local a, b, c, d = string.byte(bytes, 1, 4)
  return ((a * 256 + b) * 256 + c) * 256 + d
end
local function claimed(slot, row, owner)
  dups[#dups + 1] = (row - first) .. ':' .. slot .. ':' .. owner
  owners[slot .. ':' .. row] = tostring(owner)
end
local arrays = cjson.decode(ARGV[8])
for a = 1, #arrays do
  local entry = arrays[a]
  local slot = entry[2]
  local key = ARGV[10 + slot] .. 'n' .. entry[3]
  if entry[1] == 0 then
    -- A slice: read the same bytes; when none is set yet (the usual case, ids in order), the
    -- slice is written as it is; else it is merged a value at a time, earlier owners kept.
    local offset = entry[4]
    local want = ARGV[entry[5]]
    local old = redis.call('GETRANGE', key, offset, offset + #want - 1)
    if old:find('[^%z]') then
      local parts = {}
      for i = 1, #want, 4 do
        local w = want:sub(i, i + 3)
        local o = old:sub(i, i + 3)
        if #o < 4 or o == ZERO4 then
          parts[#parts + 1] = w
        else
          parts[#parts + 1] = o
          if w ~= ZERO4 and w ~= o then
            claimed(slot, row_of(w), row_of(o))
          end
        end
      end
      want = table.concat(parts)
    end
    redis.call('SETRANGE', key, offset, want)
  else
    -- Values spread too thin for a slice: BITFIELD reads them all, then sets the unclaimed ones.
    local offsets = entry[4]
    local rows = entry[5]
    local n = #offsets
    local SLICE_VALUES = 1000
    local fresh = {}
    for from = 1, n, SLICE_VALUES do
      local args = {}
      local to = math.min(from + SLICE_VALUES - 1, n)
      for i = from, to do
        args[#args + 1] = 'GET'
        args[#args + 1] = 'u32'
        args[#args + 1] = '#' .. offsets[i]
      end
      local got = redis.call('BITFIELD', key, unpack(args))
      for i = from, to do
        local owner = got[i - from + 1]
        if owner == 0 then
          fresh[#fresh + 1] = i
        elseif owner ~= rows[i] then
          claimed(slot, rows[i], owner)
        end
      end
    end
    for from = 1, #fresh, SLICE_VALUES do
      local args = {}
      for k = from, math.min(from + SLICE_VALUES - 1, #fresh) do
        local i = fresh[k]
        args[#args + 1] = 'SET'
        args[#args + 1] = 'u32'
        args[#args + 1] = '#' .. offsets[i]
        args[#args + 1] = rows[i]
      end
      redis.call('BITFIELD', key, unpack(args))
    end
  end
end
for r = 1, #repeats, 3 do
  local slot = repeats[r + 1]
  local earlier = repeats[r + 2]
  dups[#dups + 1] = repeats[r] .. ':' .. slot .. ':' .. (owners[slot .. ':' .. earlier] or earlier)
end
local id = chunk .. '-1'
if #dups > 0 then
  redis.call('XADD', KEYS[2], id, 'd', ARGV[4], 'i', ARGV[9], 'u', table.concat(dups, ','))
else
  redis.call('XADD', KEYS[2], id, 'd', ARGV[4], 'i', ARGV[9])
end
redis.call('HINCRBY', KEYS[1], 'enqueuedChunks', 1)
redis.call('HINCRBY', KEYS[1], 'enqueuedRows', count)
redis.call('HSET', KEYS[1], 'enqueueBeat', ARGV[5])
return 1
