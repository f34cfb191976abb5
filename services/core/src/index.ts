/**
 * @ei/core: the library every service is a thin layer over. Node only; the dashboard
 * imports `@ei/core/browser` instead.
 */
export { EiError } from './errors/ei-error.js';

export {
  configSchema,
  inferenceTypeSchema,
  modelSchema,
  queuePolicySchema,
  streamSchema,
} from './config/config-schema.js';
export type {
  EiConfig,
  EiConfigInput,
  InferenceTypeConfig,
  ModelConfig,
  QueuePolicy,
  StreamConfig,
} from './config/config-schema.js';
export { CONFIG_DEFAULTS, DEFAULT_PORTS } from './config/defaults.js';
export { ConfigError } from './config/config-error.js';
export { loadConfig, parseConfig, type LoadConfigOptions } from './config/load-config.js';
export { ENV_OVERRIDES, type EnvOverride } from './config/env-overrides.js';

export {
  createLogger,
  ThrottledLog,
  type CreateLoggerOptions,
  type Logger,
} from './logging/logger.js';

export {
  createRedis,
  readPasswordFile,
  waitUntilReady,
  type CreateRedisOptions,
  type Redis,
  type RedisConnectionOptions,
} from './redis/redis-client.js';
export {
  ACL_MIN_REDIS_VERSION,
  aclGrants,
  aclUserLine,
  generatePassword,
  passwordHash,
  REDIS_USERS,
  renderAclFile,
  type AclFileOptions,
  type AclGrant,
  type KeyAccess,
  type RedisUser,
} from './redis/redis-acl.js';
export { redisServerLimits } from './redis/redis-server-limits.js';
export { queueKeys, registryKeys, resultKeys, workerKeys, type QueueKeys } from './redis/keys.js';

export type { Frame, FrameEncoding } from './frame/frame.js';
export { STREAM_ID_PATTERN, TYPE_PATTERN } from './frame/frame.js';
export {
  decodeFrame,
  encodeFrame,
  isJpeg,
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_VERSION,
  type FrameCodecOptions,
} from './frame/frame-codec.js';
export {
  FrameDecodeError,
  FrameEncodeError,
  type FrameDecodeReason,
} from './frame/frame-errors.js';

export {
  DEFAULT_ORPHAN_AFTER_MS,
  FIFO_DROPS_PER_PUSH,
  FrameQueue,
  type FrameQueueOptions,
  type PruneReport,
  type PushOptions,
  type PushOutcome,
  type QueueStats,
} from './queue/frame-queue.js';
export {
  FrameConsumer,
  type DequeuedFrame,
  type FrameConsumerOptions,
  type FrameSource,
} from './queue/frame-consumer.js';
export { SCRIPTS_VERSION } from './queue/queue-scripts.js';
export { decodeLegacyFrame } from './legacy/legacy-frame.js';
export { maskCredentials, MASK } from './secrets/mask-credentials.js';
export {
  LEGACY_SOURCE,
  LegacyStreams,
  type LegacyStreamsOptions,
} from './legacy/legacy-streams.js';

export {
  StreamRegistry,
  type StreamAnnouncement,
  type StreamHeartbeat,
  type StreamInfo,
  type StreamRegistryOptions,
  type StreamState,
} from './registry/stream-registry.js';

export {
  WorkerRegistry,
  type WorkerInfo,
  type WorkerRegistryOptions,
  type WorkerStatus,
} from './registry/worker-registry.js';

export {
  ResultBus,
  type LiveResult,
  type LoggedResult,
  type ResultBusOptions,
  type Subscription,
} from './results/result-bus.js';
export * from './browser.js';

export { EventLog, type PlatformEvent } from './events/event-log.js';
export { freePort } from './net/free-port.js';
export { SERVICE_NODE_FLAGS } from './process/node-flags.js';

export {
  createMetrics,
  type CreateMetricsOptions,
  type EiMetrics,
  type ErrorKind,
} from './metrics/metrics.js';
export { RateMeter } from './metrics/rate-meter.js';
export { startOpsServer, type OpsServerOptions } from './metrics/ops-server.js';
