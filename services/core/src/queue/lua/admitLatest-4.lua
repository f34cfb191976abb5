--[[
  Admits a frame into its stream's slot (policy `latest`). Runs inside MULTI, right after
  `SET slot <frame>`: the frame itself never passes through Lua, which would copy it twice
  (measured: EVALSHA with a 56 KB argument 109 us, plain RPUSH 33 us).

  A stream has at most one frame waiting, the newest; the older waiting frame was just
  overwritten and is counted as dropped. Counters are per stream only (the totals are
  their sums, see getStats): one HINCRBY per event.

  KEYS[1] slot of this stream (STRING), already holding the new frame
  KEYS[2] pending set: streams with a frame waiting, scored by when it becomes an orphan
          (ZSET, ms on Redis's clock)
  KEYS[3] ready list of stream ids for workers to block on (LIST)
  KEYS[4] stats (HASH)

  ARGV[1] stream id
  ARGV[2] cap: most streams that may have a frame waiting
  ARGV[3] orphan delay in ms: a waiting frame whose stream pushed nothing for this long
  ARGV[4] slot key prefix (an orphan's slot is `ARGV[4] .. id`)
  ARGV[5] most orphans dropped when a new stream finds the queue full

  Returns 0: queued, 1: queued and an older frame dropped, 2: rejected (cap reached), the
  frame itself dropped and its slot removed.
]]
-- @include dropOrphans
local streamId = ARGV[1]
local now = nowMs()
redis.call('HINCRBY', KEYS[4], 'pushed:' .. streamId, 1)

if redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), streamId) == 1 then
  local cap = tonumber(ARGV[2])
  if redis.call('ZCARD', KEYS[2]) > cap then
    -- Full: places held by orphans are freed first (a bounded range read, only here).
    dropOrphans(KEYS[2], KEYS[3], KEYS[4], ARGV[4], now, ARGV[5])
    if redis.call('ZCARD', KEYS[2]) > cap then
      redis.call('ZREM', KEYS[2], streamId)
      redis.call('DEL', KEYS[1])
      redis.call('HINCRBY', KEYS[4], 'dropped:' .. streamId, 1)
      return 2
    end
  end
  redis.call('RPUSH', KEYS[3], streamId)
  return 0
end

redis.call('HINCRBY', KEYS[4], 'dropped:' .. streamId, 1)
-- A worker that died between taking the id from the ready list and taking the frame
-- would leave the stream waiting for ever; putting the id back heals that. A live worker
-- in that gap then finds the slot empty once, which it ignores.
if not redis.call('LPOS', KEYS[3], streamId) then
  redis.call('RPUSH', KEYS[3], streamId)
end
return 1
