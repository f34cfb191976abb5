--[[
  Puts a frame into its stream's slot (policy `latest`): a stream has at most one frame
  waiting, the newest; an older waiting frame is replaced and counted as dropped.

  KEYS[1] slot of this stream (STRING)
  KEYS[2] pending set of streams with a frame waiting (SET)
  KEYS[3] ready list of stream ids for workers to block on (LIST)
  KEYS[4] stats (HASH)

  ARGV[1] stream id
  ARGV[2] encoded frame
  ARGV[3] cap: most streams that may have a frame waiting

  Returns 0: queued, 1: queued and an older frame dropped, 2: rejected (cap reached), the
  frame itself dropped.
]]
local streamId = ARGV[1]
local cap = tonumber(ARGV[3])
redis.call('HINCRBY', KEYS[4], 'pushed', 1)
redis.call('HINCRBY', KEYS[4], 'pushed:' .. streamId, 1)

if redis.call('SADD', KEYS[2], streamId) == 1 then
  if redis.call('SCARD', KEYS[2]) > cap then
    redis.call('SREM', KEYS[2], streamId)
    redis.call('HINCRBY', KEYS[4], 'dropped', 1)
    redis.call('HINCRBY', KEYS[4], 'dropped:' .. streamId, 1)
    return 2
  end
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('RPUSH', KEYS[3], streamId)
  return 0
end

redis.call('SET', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[4], 'dropped', 1)
redis.call('HINCRBY', KEYS[4], 'dropped:' .. streamId, 1)
-- A worker that died between taking the id from the ready list and taking the frame
-- would leave the stream waiting for ever; putting the id back heals that. A live worker
-- in that gap then finds the slot empty once, which it ignores.
if not redis.call('LPOS', KEYS[3], streamId) then
  redis.call('RPUSH', KEYS[3], streamId)
end
return 1
