--[[
  Takes the newest frame of one stream (policy `latest`), after a worker got the stream id
  from the ready list.

  KEYS[1] slot of this stream (STRING)
  KEYS[2] pending set (SET)

  ARGV[1] stream id

  Returns the encoded frame, or nil when the slot is empty (another worker was faster).
]]
local frame = redis.call('GET', KEYS[1])
if not frame then
  return false
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return frame
