-- Hands a worker's chunks back to the group at once, as not delivered: their target is
-- unavailable and this worker stops waiting for it (it gave up on the import, or it is stopping).
-- The delivery count goes back to 0, so an outage never counts towards the rule that fails the
-- rows of a chunk every worker stopped while holding; an idle time longer than any visibility
-- timeout lets the next worker that looks for silent chunks claim them at once.
-- KEYS[1] chunks stream
-- ARGV[1] consumer group, ARGV[2] consumer name, ARGV[3] idle (ms), ARGV[4..] entry ids
-- Returns the number of entries released.
local released = 0
for i = 4, #ARGV do
  local mine = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #mine > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', ARGV[3], 'RETRYCOUNT', 0, 'JUSTID')
    released = released + 1
  end
end
return released
