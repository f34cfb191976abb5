--[[
  Admits a frame into a bounded FIFO (policy `fifo`). Runs inside MULTI, right after
  `RPUSH list <frame>` (the frame never passes through Lua). When over the cap, the oldest
  frames are dropped and counted against the stream they belonged to.

  KEYS[1] frame list, oldest first (LIST)
  KEYS[2] stats (HASH)

  ARGV[1] stream id
  ARGV[2] cap: most frames waiting

  Returns the number of frames dropped (0 when none).
]]
local cap = tonumber(ARGV[2])
redis.call('HINCRBY', KEYS[2], 'pushed', 1)
redis.call('HINCRBY', KEYS[2], 'pushed:' .. ARGV[1], 1)
local length = redis.call('LLEN', KEYS[1])
local dropped = 0
while length > cap do
  local old = redis.call('LPOP', KEYS[1])
  -- The stream id sits at a fixed place in the frame envelope (see frame-codec.ts):
  -- its length in byte 6, its text from byte 33 (1-based).
  local idLength = string.byte(old, 6)
  local oldId = string.sub(old, 33, 32 + idLength)
  redis.call('HINCRBY', KEYS[2], 'dropped', 1)
  redis.call('HINCRBY', KEYS[2], 'dropped:' .. oldId, 1)
  length = length - 1
  dropped = dropped + 1
end
return dropped
