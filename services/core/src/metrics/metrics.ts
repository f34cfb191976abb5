import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Kinds of error counted by `ei_errors_total`. */
export type ErrorKind =
  | 'decode'
  | 'image'
  | 'image-too-large'
  | 'unknown-stream'
  | 'redis'
  | 'inference'
  | 'inference-thread'
  | 'postprocess'
  | 'publish'
  | 'capture'
  | 'internal';

// Latency buckets in seconds: 0.5 ms .. 10 s, dense where inference and queue waits live.
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * The platform's metrics, in one registry per process. Names and meaning of the first
 * three follow the reference demo, so existing HPA rules and dashboards keep working:
 * `ei_scale_ratio = (infer + drop) / infer` per worker, labelled by inference type.
 */
export interface EiMetrics {
  registry: Registry;
  /** Frames inferred per second by this process. */
  inferFps: Gauge<'type'>;
  /** This process's share of the type's dropped frames per second. */
  dropFps: Gauge<'type'>;
  /** Replicas this worker's share of demand needs: 1 = busy and keeping up, < 1 spare, > 1 overloaded. */
  scaleRatio: Gauge<'type'>;
  queueDepth: Gauge<'type'>;
  queueWait: Histogram<'type'>;
  preprocess: Histogram<'type'>;
  inference: Histogram<'type'>;
  postprocess: Histogram<'type'>;
  endToEnd: Histogram<'type'>;
  errors: Counter<'kind'>;
  /** The model a worker runs (value 1), labelled with its identity. */
  modelInfo: Gauge<'type' | 'name' | 'version' | 'sha256'>;
}

export interface CreateMetricsOptions {
  /** Value of the `service` default label (worker, producer, gateway). */
  service: string;
  /** Process CPU, memory, event-loop lag, GC. Default true. */
  defaultMetrics?: boolean;
}

export function createMetrics(options: CreateMetricsOptions): EiMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const histogram = (name: string, help: string): Histogram<'type'> =>
    new Histogram({ name, help, labelNames: ['type'], buckets: LATENCY_BUCKETS, registers });
  return {
    registry,
    inferFps: new Gauge({
      name: 'ei_infer_fps',
      help: 'Frames inferred per second by this worker.',
      labelNames: ['type'],
      registers,
    }),
    dropFps: new Gauge({
      name: 'ei_drop_fps',
      help: "This worker's share of the inference type's dropped frames per second.",
      labelNames: ['type'],
      registers,
    }),
    scaleRatio: new Gauge({
      name: 'ei_scale_ratio',
      help: '(infer + drop) / infer capacity of this worker; summed over a type it is the number of workers demand needs.',
      labelNames: ['type'],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'ei_queue_depth',
      help: 'Frames waiting in the type’s queue.',
      labelNames: ['type'],
      registers,
    }),
    queueWait: histogram(
      'ei_queue_wait_seconds',
      'Time from push into the queue (capture) to dequeue by a worker.',
    ),
    preprocess: histogram('ei_preprocess_seconds', 'JPEG decoding and tensor preparation.'),
    inference: histogram('ei_inference_seconds', 'Model run time.'),
    postprocess: histogram(
      'ei_postprocess_seconds',
      'Output decoding and non-maximum suppression.',
    ),
    endToEnd: histogram('ei_end_to_end_seconds', 'Capture to result published.'),
    modelInfo: new Gauge({
      name: 'ei_model_info',
      help: 'The model this worker runs (value 1).',
      labelNames: ['type', 'name', 'version', 'sha256'],
      registers,
    }),
    errors: new Counter({
      name: 'ei_errors_total',
      help: 'Errors by kind; bad input is counted here and skipped.',
      labelNames: ['kind'],
      registers,
    }),
  };
}
