--[[
  Wakes a producer waiting on a full `lossless` queue, after a consumer took a frame.
  Does nothing (one EXISTS) when no producer waits.

  KEYS[1] waiting flag (STRING)
  KEYS[2] wake-up tokens (LIST)

  Returns 1 when a token was handed out, else 0.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RPUSH', KEYS[2], '1')
  redis.call('LTRIM', KEYS[2], -64, -1)
  return 1
end
return 0
