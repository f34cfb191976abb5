/**
 * Every Redis key the platform uses, in one place. `prefix` comes from `redis.keyPrefix`.
 * Legacy keys of the reference demo (`queue_<type>`) carry no prefix by design.
 */
export function queueKeys(prefix: string, type: string) {
  const base = `${prefix}q:${type}`;
  return {
    /** LIST of stream ids that have a frame waiting (policy `latest`). */
    ready: `${base}:ready`,
    /**
     * ZSET of stream ids whose slot holds a frame (policy `latest`), scored by when that
     * frame becomes an orphan (ms, Redis's clock). Named apart from the SET of earlier
     * releases, so a rolling update never meets a key of the wrong type.
     */
    pending: `${base}:pending-streams`,
    /** Prefix of the per-stream slot STRING holding the newest frame (policy `latest`). */
    slotPrefix: `${base}:slot:`,
    /** LIST of frames, oldest first (policy `fifo`). */
    fifo: `${base}:fifo`,
    /** LIST of frames, oldest first (policy `lossless`). */
    lossless: `${base}:lossless`,
    /** LIST of wake-up tokens for producers waiting on a full `lossless` queue. */
    space: `${base}:space`,
    /** Flag set while a producer waits for space. */
    waiting: `${base}:waiting`,
    /** HASH of exact counters: pushed, dropped, and per stream `pushed:<id>`, `dropped:<id>`. */
    stats: `${base}:stats`,
    /** LIST the reference demo's producers push msgpack frames to. */
    legacy: `queue_${type}`,
  };
}
export type QueueKeys = ReturnType<typeof queueKeys>;

export function registryKeys(prefix: string) {
  return {
    /** ZSET of stream ids scored by expiry time (ms). */
    index: `${prefix}streams`,
    /** HASH of one stream's metadata. */
    stream: (id: string) => `${prefix}stream:${id}`,
  };
}

export function resultKeys(prefix: string) {
  return {
    /** Pub/sub channel of one stream's full results (metadata and JPEG). */
    channel: (streamId: string) => `${prefix}results:live:${streamId}`,
    /** Pattern matching every stream's channel. */
    channelPattern: `${prefix}results:live:*`,
    channelPrefix: `${prefix}results:live:`,
    /** STREAM of compact results without images. */
    log: `${prefix}results:log`,
  };
}

export function workerKeys(prefix: string) {
  return {
    /** ZSET of a type's worker ids scored by expiry time (ms). */
    index: (type: string) => `${prefix}workers:${type}`,
    /** HASH of one worker's status. */
    worker: (id: string) => `${prefix}worker:${id}`,
  };
}
