--[[
  Reads a queue's counters and depths in one atomic step, so that
  pushed = popped + dropped + waiting holds exactly for the snapshot. Read only.

  KEYS[1] stats (HASH): `pushed:<stream id>`, `dropped:<stream id>`, and the sums of
          streams retired by pruneQueue, `retired:pushed`, `retired:dropped`
  KEYS[2] pending set (ZSET, policy `latest`)
  KEYS[3] fifo list (LIST)
  KEYS[4] lossless list (LIST)
  KEYS[5] legacy list (LIST, reference-demo producers)
  KEYS[6] ready list (LIST, policy `latest`)

  Returns { flat HGETALL of stats, ZCARD pending, LLEN fifo, LLEN lossless, LLEN legacy,
  LLEN ready }.
]]
return {
  redis.call('HGETALL', KEYS[1]),
  redis.call('ZCARD', KEYS[2]),
  redis.call('LLEN', KEYS[3]),
  redis.call('LLEN', KEYS[4]),
  redis.call('LLEN', KEYS[5]),
  redis.call('LLEN', KEYS[6]),
}
