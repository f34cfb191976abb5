const MiB = 1024 * 1024;

/**
 * redis-server settings that keep one client from exhausting Redis's memory, sized from
 * the largest frame the platform accepts (`limits.maxFrameBytes`). Used by `ei up` for its
 * private redis-server; the Kubernetes Redis carries the same values for the default
 * config (a test keeps them equal).
 *
 * - `proto-max-bulk-len`: the largest single value a client may send (Redis's default is
 *   512 MB). A frame, plus 1 MiB for what a result adds to its JPEG (detections, timings).
 * - `client-query-buffer-limit`: a command being received, at most two such values.
 * - `client-output-buffer-limit`: replies a client does not read (Redis's default for
 *   ordinary clients is unlimited). Eight values hard, two for 30 s (60 s for pub/sub, the
 *   gateway's relay); a client over it is disconnected, and ioredis reconnects it.
 */
export function redisServerLimits(maxFrameBytes: number): string[] {
  const bulkMiB = Math.ceil(maxFrameBytes / MiB) + 1;
  const mb = (n: number) => `${n * bulkMiB}mb`;
  return [
    '--proto-max-bulk-len',
    mb(1),
    '--client-query-buffer-limit',
    mb(2),
    // One argument per word: redis-server would quote a single "normal ..." argument.
    ...['--client-output-buffer-limit', 'normal', mb(8), mb(2), '30'],
    ...['--client-output-buffer-limit', 'pubsub', mb(8), mb(2), '60'],
  ];
}
