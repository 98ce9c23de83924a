-- Keeps a live worker's chunks from being reclaimed by others: resets their idle time, but only
-- for entries this consumer still owns (one that was already reclaimed stays with its new owner).
-- KEYS[1] chunks stream
-- ARGV[1] consumer group, ARGV[2] consumer name, ARGV[3..] entry ids
-- Returns the number of entries touched.
local touched = 0
for i = 3, #ARGV do
  local mine = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #mine > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    touched = touched + 1
  end
end
return touched
