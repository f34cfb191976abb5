--[[
  Admits a frame into a bounded FIFO (policy `fifo`). Runs inside MULTI, right after
  `RPUSH list <frame>` (the frame never passes through Lua). When over the cap, the oldest
  frames are dropped and counted against the stream they belonged to.

  At most ARGV[3] frames go per push: after `cap` was lowered on a long list, the list
  shrinks to the new cap over the following pushes (and pops), in steps that never hold
  Redis for longer than a few frames' worth of work.

  KEYS[1] frame list, oldest first (LIST)
  KEYS[2] stats (HASH)

  ARGV[1] stream id
  ARGV[2] cap: most frames waiting
  ARGV[3] most frames dropped by one push

  Returns the number of frames dropped (0 when none).
]]
redis.call('HINCRBY', KEYS[2], 'pushed:' .. ARGV[1], 1)
local excess = redis.call('LLEN', KEYS[1]) - tonumber(ARGV[2])
if excess <= 0 then
  return 0
end
excess = math.min(excess, tonumber(ARGV[3]))
for _ = 1, excess do
  local old = redis.call('LPOP', KEYS[1])
  -- The stream id sits at a fixed place in the frame envelope (see frame-codec.ts):
  -- its length in byte 6, its text from byte 33 (1-based).
  local idLength = string.byte(old, 6)
  redis.call('HINCRBY', KEYS[2], 'dropped:' .. string.sub(old, 33, 32 + idLength), 1)
end
return excess
