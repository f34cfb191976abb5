import { z } from 'zod';
import { DEFAULT_MAX_FRAME_BYTES } from '../frame/frame-codec.js';

/**
 * The one configuration schema of the platform. Every service reads its settings through
 * it; docs/configuration.md is generated from the descriptions here (`pnpm docs:config`),
 * and a test fails when the two drift apart. Unknown keys are rejected everywhere so a
 * typo never silently falls back to a default.
 */

export const queuePolicySchema = z
  .enum(['latest', 'fifo', 'lossless'])
  .describe(
    '`latest`: workers always get the newest waiting frame of each stream, older ones are dropped, streams are served in turn. `fifo`: bounded first-in first-out, the oldest frame is dropped when full. `lossless`: producers wait when the queue is full, nothing is dropped.',
  );
export type QueuePolicy = z.infer<typeof queuePolicySchema>;

const nameSchema = z
  .string()
  .regex(/^[a-z0-9_-]{1,64}$/, 'lowercase letters, digits, "_" or "-", 1 to 64 characters');

export const inferenceTypeSchema = z
  .strictObject({
    policy: queuePolicySchema.default('latest'),
    cap: z
      .int()
      .min(1)
      .max(1_000_000)
      .default(64)
      .describe(
        'Queue bound. `fifo`/`lossless`: frames waiting. `latest`: streams with a frame waiting (one frame each).',
      ),
    model: nameSchema
      .default('nanodet')
      .describe('Name of the model (an entry of `models` or of models/manifest.json).'),
    classes: z
      .array(z.string().min(1))
      .optional()
      .describe('Labels to keep; all of the model’s labels when left out.'),
    minWorkers: z
      .int()
      .min(0)
      .max(1000)
      .default(1)
      .describe('`ei up`: fewest worker processes of this type.'),
    maxWorkers: z
      .int()
      .min(1)
      .max(1000)
      .default(2)
      .describe('`ei up`: most worker processes of this type (the local autoscaler stays within).'),
    minScore: z
      .number()
      .min(0)
      .max(1)
      .default(0.4)
      .describe('Detections below this score are discarded.'),
  })
  .describe('An inference type: one frame queue and the workers that serve it.');
export type InferenceTypeConfig = z.infer<typeof inferenceTypeSchema>;

export const modelSchema = z
  .strictObject({
    path: z.string().min(1).describe('ONNX file, absolute or relative to the config file.'),
    decoder: z.enum(['nanodet', 'blazeface', 'yolo', 'ssd']).describe('Output decoder family.'),
    labels: z
      .union([z.array(z.string()), z.string()])
      .optional()
      .describe('Class labels in output order, or the path of a file with one label per line.'),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .describe('Expected SHA-256 of the file; workers refuse to start on a mismatch.'),
  })
  .describe('A user-supplied ONNX detector.');
export type ModelConfig = z.infer<typeof modelSchema>;

export const streamSchema = z
  .strictObject({
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9_.:-]{1,128}$/,
        'letters, digits, "_", ".", ":" or "-", 1 to 128 characters',
      )
      .describe('Stream id, unique in the cluster.'),
    source: z.string().min(1).describe('Video file, rtsp://, http(s):// MJPEG URL or /dev/videoN.'),
    type: nameSchema.describe('Inference type its frames go to.'),
    fps: z
      .number()
      .positive()
      .max(240)
      .optional()
      .describe('Frames per second to emit; the source rate when left out.'),
    maxWidth: z
      .int()
      .min(16)
      .max(65535)
      .optional()
      .describe('Frames wider than this are scaled down.'),
    loop: z.boolean().default(false).describe('Files only: start again at the end.'),
  })
  .describe('A camera or file fed into a frame queue.');
export type StreamConfig = z.infer<typeof streamSchema>;

export const redisConfigSchema = z
  .strictObject({
    url: z
      .string()
      .default('redis://127.0.0.1:6379')
      .describe(
        'redis:// or rediss:// URL. May carry `user:password@`, but a URL on a command line is visible to every user of the machine (`ps`).',
      ),
    username: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/)
      .optional()
      .describe(
        'ACL user: `producer`, `worker`, `gateway` or `admin` with the platform’s ACL file (docs/security.md); the `default` user when left out. Overrides one in the URL.',
      ),
    password: z
      .string()
      .optional()
      .describe('AUTH password; overrides one in the URL. Give it by file or environment.'),
    passwordFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'File whose first line is the password (a mounted Kubernetes Secret); wins over `password`.',
      ),
    tls: z.boolean().default(false).describe('Use TLS (also implied by a rediss:// URL).'),
    tlsCaFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'PEM file of the CA that signed the server’s certificate; the system CAs when left out.',
      ),
    tlsCertFile: z
      .string()
      .min(1)
      .optional()
      .describe('Client certificate (PEM), for a server that asks for one (`tls-auth-clients`).'),
    tlsKeyFile: z.string().min(1).optional().describe('Key of `tlsCertFile` (PEM).'),
    tlsServerName: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Name the server’s certificate must carry when it differs from the URL’s host (a NodePort reached by its IP).',
      ),
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{0,64}$/)
      .default('ei:')
      .describe(
        'Prefix of every key the platform writes; lets several deployments share one Redis.',
      ),
  })
  .describe('Connection to the Redis server that holds queues, registry and results.');

export const configSchema = z
  .strictObject({
    redis: redisConfigSchema.prefault({}),
    log: z
      .strictObject({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
          .default('info')
          .describe('Least severe level logged.'),
        format: z
          .enum(['auto', 'json', 'pretty'])
          .default('auto')
          .describe('`auto`: readable on a terminal, JSON otherwise.'),
      })
      .prefault({})
      .describe('Logging.'),
    limits: z
      .strictObject({
        maxFrameBytes: z
          .int()
          .min(1024)
          .max(256 * 1024 * 1024)
          .default(DEFAULT_MAX_FRAME_BYTES)
          .describe('Largest frame message accepted, header included.'),
        maxImagePixels: z
          .int()
          .min(64 * 64)
          .max(268_402_689)
          .default(4096 * 4096)
          .describe(
            'Largest image a worker decodes, in pixels (width × height). A frame whose JPEG header announces more is refused before decoding, counted in `ei_errors_total{kind="image-too-large"}` and skipped.',
          ),
      })
      .prefault({})
      .describe('Limits that protect services from oversized input.'),
    registry: z
      .strictObject({
        heartbeatMs: z
          .int()
          .min(100)
          .default(2000)
          .describe('How often producers refresh their streams.'),
        ttlMs: z
          .int()
          .min(300)
          .default(10_000)
          .describe('A stream not refreshed for this long disappears.'),
      })
      .prefault({})
      .describe('Stream registry timing.'),
    worker: z
      .strictObject({
        stallTimeoutMs: z
          .int()
          .min(1000)
          .default(30_000)
          .describe(
            "A worker's `/healthz` answers 503 once its frame loop has not moved for this long (an inference or Redis call that never returns), so that Kubernetes restarts it. Keep it well above the slowest inference.",
          ),
      })
      .prefault({})
      .describe('Inference workers.'),
    results: z
      .strictObject({
        streamMaxLen: z
          .int()
          .min(10)
          .default(10_000)
          .describe('Approximate length cap of the compact results stream.'),
      })
      .prefault({})
      .describe('Result bus.'),
    autoscaler: z
      .strictObject({
        intervalMs: z
          .int()
          .min(100)
          .default(5000)
          .describe('How often `ei up` evaluates the scaling rule.'),
        scaleDownWindowMs: z
          .int()
          .min(0)
          .default(60_000)
          .describe('Scale-down stabilisation window (the Kubernetes HPA default is 300 s).'),
        tolerance: z
          .number()
          .min(0)
          .max(1)
          .default(0.1)
          .describe('No action within this relative band around the target.'),
      })
      .prefault({})
      .describe(
        'The local autoscaler of `ei up`: the HPA rule on `ei_scale_ratio` applied to worker processes.',
      ),
    types: z
      .record(nameSchema, inferenceTypeSchema)
      .default({
        people: {
          policy: 'latest',
          cap: 64,
          model: 'nanodet',
          classes: ['person'],
          minScore: 0.4,
          minWorkers: 1,
          maxWorkers: 2,
        },
        car: {
          policy: 'latest',
          cap: 64,
          model: 'nanodet',
          classes: ['car', 'truck', 'bus', 'motorcycle'],
          minScore: 0.4,
          minWorkers: 1,
          maxWorkers: 2,
        },
        object: {
          policy: 'latest',
          cap: 64,
          model: 'nanodet',
          minScore: 0.4,
          minWorkers: 1,
          maxWorkers: 2,
        },
        face: {
          policy: 'latest',
          cap: 64,
          model: 'blazeface',
          minScore: 0.5,
          minWorkers: 1,
          maxWorkers: 2,
        },
      })
      .describe('Inference types by name.'),
    models: z
      .record(nameSchema, modelSchema)
      .default({})
      .describe('Users’ own models by name, beside the shipped ones.'),
    streams: z.array(streamSchema).default([]).describe('Cameras and files to start with `ei up`.'),
  })
  .superRefine((config, ctx) => {
    for (const [name, type] of Object.entries(config.types)) {
      if (type.maxWorkers < type.minWorkers) {
        ctx.addIssue({
          code: 'custom',
          path: ['types', name, 'maxWorkers'],
          message: `maxWorkers (${type.maxWorkers}) must be at least minWorkers (${type.minWorkers})`,
        });
      }
    }
    config.streams.forEach((stream, index) => {
      if (!(stream.type in config.types)) {
        ctx.addIssue({
          code: 'custom',
          path: ['streams', index, 'type'],
          message: `unknown inference type "${stream.type}"; known: ${Object.keys(config.types).join(', ')}`,
        });
      }
    });
    const seen = new Set<string>();
    config.streams.forEach((stream, index) => {
      if (seen.has(stream.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['streams', index, 'name'],
          message: `duplicate stream name "${stream.name}"`,
        });
      }
      seen.add(stream.name);
    });
  });

export type EiConfig = z.infer<typeof configSchema>;
export type EiConfigInput = z.input<typeof configSchema>;
