import type { Server } from 'node:http';
import {
  ConfigError,
  createLogger,
  createMetrics,
  createRedis,
  DEFAULT_PORTS,
  FrameQueue,
  maskCredentials,
  startOpsServer,
  StreamRegistry,
  type EiConfig,
  type Logger,
  type QueuePolicy,
  waitUntilReady,
  type Redis,
} from '@ei/core';
import { locateFfmpeg } from './ffmpeg/locate-ffmpeg.js';
import { createProducerMetrics } from './metrics/producer-metrics.js';
import { StreamProducer, type ProducedStreamConfig } from './stream-producer.js';

export interface RunProducerOptions {
  /** Validated configuration (`loadConfig`): Redis, types, registry timing, limits. */
  config: EiConfig;
  /** Streams to produce. Default: `config.streams`. */
  streams?: ProducedStreamConfig[];
  /** Replaces the queue policy of the streams' types (e.g. `lossless` for offline files). */
  policy?: QueuePolicy;
  /** Port of /metrics, /healthz, /readyz; 0 picks a free one; `false` serves none. Default `DEFAULT_PORTS.producerMetrics`. */
  metricsPort?: number | false;
  /** ffmpeg binary; see `locateFfmpeg` for the default search. */
  ffmpegPath?: string;
  logger?: Logger;
  /** Aborting stops every stream, removes them from the registry and resolves. */
  signal?: AbortSignal;
  /** Called once the streams run, with the metrics server (tests read its port). */
  onStarted?: (info: { producers: StreamProducer[]; opsServer: Server | undefined }) => void;
  /** Passed to every stream; see `StreamProducerOptions`. */
  stallTimeoutMs?: number;
  backoff?: { initialMs?: number; maxMs?: number };
}

/**
 * The producer service: one process feeding any number of streams through one Redis
 * connection (auto-pipelined). Resolves when every stream has finished (files without
 * loop) or `signal` aborts. Throws before starting anything when the setup cannot work:
 * no ffmpeg, unknown type, bad source, Redis unreachable or refusing the password.
 */
export async function runProducer(options: RunProducerOptions): Promise<void> {
  const { config } = options;
  const logger =
    options.logger ??
    createLogger({ name: 'producer', level: config.log.level, format: config.log.format });
  const streams = options.streams ?? config.streams;
  if (streams.length === 0) {
    throw new ConfigError('no stream to produce: give --source, or list streams in the config');
  }
  for (const stream of streams) {
    if (!(stream.type in config.types)) {
      throw new ConfigError(
        `unknown inference type "${stream.type}" for stream ${stream.name}; known: ${Object.keys(config.types).join(', ')}`,
      );
    }
  }
  const ffmpeg = locateFfmpeg({ path: options.ffmpegPath });
  logger.info({ ffmpeg: ffmpeg.path, origin: ffmpeg.origin }, 'using ffmpeg');

  const redis = createRedis(config.redis, { connectionName: 'ei-producer', role: 'command' });
  let lastRedisError: Error | undefined;
  const rememberError = (error: Error): void => {
    lastRedisError = error;
  };
  redis.on('error', rememberError);
  const metrics = createProducerMetrics(createMetrics({ service: 'producer' }));
  const registry = new StreamRegistry({
    redis,
    keyPrefix: config.redis.keyPrefix,
    ttlMs: config.registry.ttlMs,
  });
  const queues: FrameQueue[] = [];
  let opsServer: Server | undefined;
  try {
    const producers = streams.map((stream) => {
      const type = config.types[stream.type]!;
      const queue = new FrameQueue({
        redis,
        type: stream.type,
        policy: options.policy ?? type.policy,
        cap: type.cap,
        keyPrefix: config.redis.keyPrefix,
        maxFrameBytes: config.limits.maxFrameBytes,
      });
      queues.push(queue);
      return new StreamProducer({
        stream,
        queue,
        registry,
        metrics,
        logger,
        ffmpegPath: ffmpeg.path,
        heartbeatMs: config.registry.heartbeatMs,
        stallTimeoutMs: options.stallTimeoutMs,
        backoff: options.backoff,
      });
    });

    try {
      await waitUntilReady(redis, 10_000);
    } catch (error) {
      const why = (lastRedisError ?? (error as Error)).message;
      throw new ConfigError(
        `cannot use Redis at ${maskCredentials(config.redis.url)}: ${maskCredentials(why)} (check --redis / REDIS_URL, --redis-user / REDIS_USERNAME and --password-file / REDIS_PASSWORD_FILE or REDIS_PASSWORD)`,
        { cause: error },
      );
    }
    redis.off('error', rememberError);
    redis.on('error', (error: Error) =>
      logger.debug({ err: error.message }, 'redis connection error'),
    );

    const metricsPort = options.metricsPort ?? DEFAULT_PORTS.producerMetrics;
    if (metricsPort !== false) {
      opsServer = await startOpsServer({
        port: metricsPort,
        registry: metrics.core.registry,
        isReady: () => redis.status === 'ready',
      });
      const address = opsServer.address();
      logger.info(
        { port: typeof address === 'object' && address ? address.port : metricsPort },
        'metrics on /metrics',
      );
    }

    const stopAll = (): void => {
      for (const producer of producers) void producer.stop();
    };
    options.signal?.addEventListener('abort', stopAll, { once: true });
    const done = Promise.all(producers.map((producer) => producer.start()));
    if (options.signal?.aborted) stopAll();
    options.onStarted?.({ producers, opsServer });
    await done;
    options.signal?.removeEventListener('abort', stopAll);
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
    if (opsServer) {
      const server = opsServer;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await closeRedis(redis);
  }
}

async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}
