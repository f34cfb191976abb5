--[[
  One bounded step of a queue's upkeep, run now and then by workers (FrameQueue.prune):

  1. `latest` orphans: waiting frames of streams that stopped are dropped (see
     dropOrphans), so they stop counting against `cap` even when no new stream pushes.
  2. Per-stream counters of streams gone from the stream registry (no `stream:<id>` hash:
     its producer stopped or died) move into `retired:pushed` / `retired:dropped`, so the
     stats hash that every worker and API call reads stays as small as the live streams.
     Each field moves in one step, so the sums (the totals) never change. A stream with a
     frame still waiting in `latest` keeps its counters until the frame is gone.

  The caller repeats the step until the stats cursor says 'done' and fewer than ARGV[4]
  orphans were dropped; other commands run between the steps.

  KEYS[1] stats (HASH)
  KEYS[2] pending set (ZSET, policy `latest`, see admitLatest)
  KEYS[3] ready list (LIST, policy `latest`)

  ARGV[1] slot key prefix (a slot is `ARGV[1] .. id`)
  ARGV[2] stream registry key prefix (a live stream has the hash `ARGV[2] .. id`)
  ARGV[3] stats hash cursor ('0' to start, 'done' once walked)
  ARGV[4] most orphans dropped and COUNT hint of the HSCAN, per step

  Returns { next stats cursor, orphans dropped, fields retired }.
]]
-- @include dropOrphans
local orphans = dropOrphans(KEYS[2], KEYS[3], KEYS[1], ARGV[1], nowMs(), ARGV[4])

local retired = 0
local cursor = 'done'
if ARGV[3] ~= 'done' then
  local scan = redis.call('HSCAN', KEYS[1], ARGV[3], 'COUNT', ARGV[4])
  if scan[1] ~= '0' then
    cursor = scan[1]
  end
  local gone = {}
  local fields = scan[2]
  for i = 1, #fields, 2 do
    local kind, id = string.match(fields[i], '^(%a+):(.+)$')
    if kind == 'pushed' or kind == 'dropped' then
      if gone[id] == nil then
        gone[id] = redis.call('EXISTS', ARGV[2] .. id) == 0
          and not redis.call('ZSCORE', KEYS[2], id)
      end
      if gone[id] then
        redis.call('HINCRBY', KEYS[1], 'retired:' .. kind, fields[i + 1])
        redis.call('HDEL', KEYS[1], fields[i])
        retired = retired + 1
      end
    end
  end
end
return { cursor, orphans, retired }
