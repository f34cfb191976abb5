import { defaultModelsDirectory } from '@ei/models';
import { DEFAULT_PORTS } from '@ei/core';
import { Option, type Command } from 'commander';
import { CliError } from '../shared/cli-error.js';
import { explainPortInUse, requireRedis } from '../shared/explain-errors.js';
import {
  loadServiceConfig,
  withServiceOptions,
  type ServiceOptions,
} from '../shared/service-options.js';

interface WorkerOptions extends ServiceOptions {
  type: string;
  metricsPort: string;
  threads: string;
  modelsDir: string;
  runOn: 'thread' | 'caller';
}

export function registerWorkerCommand(program: Command): void {
  const command = program
    .command('worker')
    .description(
      "Run an inference worker: take frames of one type from its queue, run the type's model, publish results. Serves /metrics, /healthz and /readyz. SIGTERM finishes the frames in hand and exits 0. Exits 1 when the model is missing, tampered with or does not fit its decoder, and when its inference thread keeps dying (docs/security.md).",
    )
    .requiredOption(
      '-t, --type <type>',
      'inference type to serve (a key of `types` in the config: people, car, object, face, ...)',
    )
    .addOption(
      new Option('--metrics-port <port>', 'port of /metrics, /healthz, /readyz')
        .default(String(DEFAULT_PORTS.workerMetrics))
        .env('EI_METRICS_PORT'),
    )
    .addOption(
      new Option('--threads <n>', 'onnxruntime intra-op threads')
        .default('1')
        .env('EI_INTRA_OP_THREADS'),
    )
    .addOption(
      new Option('--run-on <where>', 'run the model on its own thread or on the main thread')
        .choices(['thread', 'caller'])
        .default('thread'),
    )
    .addOption(
      new Option('--models-dir <dir>', 'folder of the generated models and manifest')
        .default(defaultModelsDirectory())
        .env('EI_MODELS_DIR'),
    );
  withServiceOptions(command).action(async (options: WorkerOptions) => {
    const metricsPort = Number(options.metricsPort);
    const threads = Number(options.threads);
    if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)
      throw new CliError(`--metrics-port must be a port number, got ${options.metricsPort}`);
    if (!Number.isInteger(threads) || threads < 1 || threads > 64)
      throw new CliError(`--threads must be 1..64, got ${options.threads}`);
    const config = await loadServiceConfig(options);
    if (!config.types[options.type]) {
      throw new CliError(
        `unknown inference type "${options.type}"; configured types: ${Object.keys(config.types).join(', ')}`,
      );
    }
    await requireRedis(config);
    const { loadTypeDetector, runWorker } = await import('@ei/worker');
    const running = await runWorker({
      config,
      type: options.type,
      metricsPort,
      loadModel: (cfg, type) =>
        loadTypeDetector(cfg, type, {
          modelsDir: options.modelsDir,
          intraOpThreads: threads,
          runOn: options.runOn,
        }),
    }).catch(explainPortInUse('--metrics-port', ', or 0 for any free port'));
    const stop = (): void => {
      running.shutdown().then(
        () => process.exit(0),
        (error: Error) => {
          console.error(`ei worker: ${error.message}`);
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // The inference thread was given up (docs/security.md): exit non-zero so that the
    // supervisor (Kubernetes, ei up) starts a fresh process.
    void running.failed.then(async (error) => {
      console.error(`ei worker: ${error.message}; exiting`);
      await running.shutdown().catch(() => undefined);
      process.exit(1);
    });
  });
}
