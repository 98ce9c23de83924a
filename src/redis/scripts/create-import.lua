-- Creates an import's record and its chunks stream with the workers' consumer group, unless the
-- import already exists (a resumed or repeated enqueue), in which case nothing changes.
-- KEYS[1] meta hash, KEYS[2] chunks stream
-- ARGV[1] consumer group name, ARGV[2..] field, value pairs of the new record
-- Returns 1 when created, 0 when the import already existed.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2, #ARGV))
redis.pcall('XGROUP', 'CREATE', KEYS[2], ARGV[1], '0', 'MKSTREAM')
return 1
