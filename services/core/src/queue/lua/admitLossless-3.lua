--[[
  Admits a frame into a bounded FIFO that never drops (policy `lossless`). Runs inside
  MULTI, right after `RPUSH list <frame>`. When that made the list longer than the cap,
  the frame is taken back (LTRIM, no copy) and the producer waits for a wake-up token.

  KEYS[1] frame list, oldest first (LIST)
  KEYS[2] stats (HASH)
  KEYS[3] waiting flag (STRING), tells consumers to hand out wake-up tokens

  ARGV[1] stream id
  ARGV[2] cap: most frames waiting
  ARGV[3] lifetime of the waiting flag in ms

  Returns 0: queued, 1: full, not queued.
]]
if redis.call('LLEN', KEYS[1]) > tonumber(ARGV[2]) then
  redis.call('LTRIM', KEYS[1], 0, -2)
  redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
  return 1
end
redis.call('HINCRBY', KEYS[2], 'pushed:' .. ARGV[1], 1)
return 0
