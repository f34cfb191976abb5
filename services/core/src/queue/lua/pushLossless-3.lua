--[[
  Appends a frame to a bounded FIFO that never drops (policy `lossless`). When full the
  frame is not taken; the producer waits for a wake-up token and tries again.

  KEYS[1] frame list, oldest first (LIST)
  KEYS[2] stats (HASH)
  KEYS[3] waiting flag (STRING), tells consumers to hand out wake-up tokens

  ARGV[1] stream id
  ARGV[2] encoded frame
  ARGV[3] cap: most frames waiting
  ARGV[4] lifetime of the waiting flag in ms

  Returns 0: queued, 1: full, not queued.
]]
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
  return 1
end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], 'pushed', 1)
redis.call('HINCRBY', KEYS[2], 'pushed:' .. ARGV[1], 1)
return 0
