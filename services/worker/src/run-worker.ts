import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import {
  createLogger,
  createMetrics,
  createRedis,
  DEFAULT_PORTS,
  startOpsServer,
  type EiConfig,
  type Logger,
} from '@ei/core';
import type { Detector } from '@ei/detection';
import { InferenceWorker, modelIdentity } from './inference-worker.js';

export interface RunWorkerOptions {
  config: EiConfig;
  type: string;
  /** Loads the type's model; throws with a clear message when it is missing or corrupt. */
  loadModel: (config: EiConfig, type: string, logger: Logger) => Promise<Detector>;
  /** Port of /metrics, /healthz, /readyz. Default `DEFAULT_PORTS.workerMetrics`. */
  metricsPort?: number;
  workerId?: string;
}

export interface RunningWorker {
  worker: InferenceWorker;
  detector: Detector;
  opsServer: Server;
  /**
   * Resolves when the worker cannot go on (its inference thread was given up) and has
   * stopped taking frames: the process should shut down and exit non-zero.
   */
  failed: Promise<Error>;
  /** Stops taking frames, finishes the ones in hand, closes everything. */
  shutdown(): Promise<void>;
}

/**
 * Starts one inference worker process: metrics server first (so probes answer while the
 * model loads), then the model, then the queue loop.
 */
export async function runWorker(options: RunWorkerOptions): Promise<RunningWorker> {
  const { config, type } = options;
  const typeConfig = config.types[type];
  if (!typeConfig) {
    throw new Error(
      `unknown inference type "${type}"; configured types: ${Object.keys(config.types).join(', ')}`,
    );
  }
  const workerId = options.workerId ?? `${hostname()}-${type}-${randomUUID().slice(0, 8)}`;
  const logger = createLogger({
    name: `worker:${type}`,
    level: config.log.level,
    format: config.log.format,
  });
  const metrics = createMetrics({ service: 'worker' });
  const redis = createRedis(config.redis, { connectionName: `ei-worker-${workerId}` });
  redis.on('error', (error: Error) =>
    logger.debug({ err: error.message }, 'redis connection error'),
  );

  // Probes answer from the start (not ready while the model loads; alive meanwhile).
  const probes = { ready: (): boolean => false, healthy: (): boolean => true };
  const opsServer = await startOpsServer({
    port: options.metricsPort ?? DEFAULT_PORTS.workerMetrics,
    registry: metrics.registry,
    isReady: () => probes.ready(),
    isHealthy: () => probes.healthy(),
  });
  let detector: Detector;
  try {
    detector = await options.loadModel(config, type, logger);
  } catch (error) {
    opsServer.close();
    redis.disconnect();
    throw error;
  }
  metrics.modelInfo.set({ type, ...modelIdentity(detector) }, 1);
  let reportFailure!: (error: Error) => void;
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));
  const worker = new InferenceWorker({
    redis,
    type,
    typeConfig,
    detector,
    metrics,
    logger,
    workerId,
    keyPrefix: config.redis.keyPrefix,
    maxFrameBytes: config.limits.maxFrameBytes,
    resultsMaxLen: config.results.streamMaxLen,
    stallTimeoutMs: config.worker.stallTimeoutMs,
    onFatal: reportFailure,
    registry: config.registry,
  });
  worker.start();
  probes.ready = () => worker.ready;
  probes.healthy = () => worker.healthy;
  logger.info(
    { workerId, model: modelIdentity(detector), policy: typeConfig.policy },
    `worker for "${type}" taking frames`,
  );

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (shuttingDown ??= (async () => {
      logger.info({ inHand: worker.framesInHand }, 'stopping: finishing the frames in hand');
      await worker.stop();
      await detector.close();
      opsServer.close();
      redis.disconnect();
      logger.info({ processed: worker.processed }, 'stopped');
    })());
  return { worker, detector, opsServer, failed, shutdown };
}
