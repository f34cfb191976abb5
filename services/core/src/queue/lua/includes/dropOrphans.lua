--[[
  Shared by the `latest` scripts (included, not called). A stream is waiting while its id
  is in the pending set, scored by the time its waiting frame becomes an orphan: the
  stream's last push plus the orphan delay. A frame still there by then was left behind by
  a stream that stopped (its producer gone, and a worker that died between popping the id
  and taking the frame, or no worker at all). It would hold a place under `cap` for ever;
  this drops it: counted as dropped against its stream, its slot and stale ready ids
  removed.

  Drops at most `limit` orphans, the oldest first; returns how many it dropped.
]]
local function dropOrphans(pendingKey, readyKey, statsKey, slotPrefix, now, limit)
  local orphans = redis.call('ZRANGEBYSCORE', pendingKey, '-inf', now, 'LIMIT', 0, limit)
  for _, id in ipairs(orphans) do
    redis.call('ZREM', pendingKey, id)
    redis.call('DEL', slotPrefix .. id)
    redis.call('LREM', readyKey, 0, id)
    redis.call('HINCRBY', statsKey, 'dropped:' .. id, 1)
  end
  return #orphans
end

-- Redis's clock, in ms: every producer and worker scores and compares with the same clock.
local function nowMs()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
