import { createLogger, DEFAULT_PORTS, queuePolicySchema, type QueuePolicy } from '@ei/core';
import type { ProducedStreamConfig } from '@ei/producer';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CliError } from '../shared/cli-error.js';
import { explainPortInUse, requireRedis } from '../shared/explain-errors.js';
import {
  loadServiceConfig,
  withServiceOptions,
  type ServiceOptions,
} from '../shared/service-options.js';

interface ProduceOptions extends ServiceOptions {
  source?: string;
  type?: string;
  name?: string;
  fps?: number;
  maxWidth?: number;
  loop?: boolean;
  policy?: QueuePolicy;
  metricsPort: number | false;
  ffmpeg?: string;
}

const HELP_AFTER = `
Sources:
  video file      paced at its frame rate (or --fps); --loop starts again at the end;
                  with --policy lossless every frame is queued, as fast as workers take them
  rtsp://...      RTSP camera (TCP transport)
  http(s)://...   MJPEG over HTTP (multipart/x-mixed-replace)
  /dev/videoN     V4L2 camera
Cameras that stop or cannot be reached are retried for ever (backoff 0.5 s doubling to 30 s);
the state is in the stream registry and in the metrics on --metrics-port.

ffmpeg: the system ffmpeg (PATH) is used, else the one shipped with the npm package
@ffmpeg-installer/ffmpeg; FFMPEG_PATH or --ffmpeg picks another.

Examples:
  ei produce --source services/cli/defaults/samples/street-people-cars.mp4 --type people --name lobby --loop
  ei produce --source rtsp://user:pass@10.0.0.5/stream1 --type car --name gate --fps 10 --max-width 960
  ei produce --config ei.yaml                  # every stream listed under streams:`;

/** `ei produce`: feeds cameras and files into the frame queues. */
export function registerProduceCommand(program: Command): Command {
  const command = program
    .command('produce')
    .description(
      "Feed a camera or video file (or the config's streams) into the frame queue of an inference type.",
    )
    .option('-s, --source <source>', 'video file, rtsp:// or http(s):// MJPEG URL, or /dev/videoN')
    .option(
      '-t, --type <type>',
      'inference type whose queue gets the frames (people, car, face, object, ...)',
    )
    .option('-n, --name <stream>', 'stream name, unique in the cluster (letters, digits, _ . : -)')
    .option('--fps <n>', 'frames per second to emit (default: the source rate)', positiveNumber)
    .option(
      '--max-width <pixels>',
      'scale frames wider than this down, keeping the aspect ratio',
      positiveInteger,
    )
    .option('--loop', 'files: start again at the end')
    .addOption(
      new Option('--policy <policy>', 'override the queue policy of the type').choices(
        queuePolicySchema.options,
      ),
    )
    .addOption(
      new Option(
        '--metrics-port <port>',
        'port of /metrics, /healthz and /readyz (0: any free port)',
      )
        .default(DEFAULT_PORTS.producerMetrics)
        .argParser(port),
    )
    .option('--no-metrics', 'serve no /metrics endpoint')
    .option(
      '--ffmpeg <path>',
      'ffmpeg executable (default: $FFMPEG_PATH, else ffmpeg on the PATH, else the npm-shipped one)',
    )
    .addHelpText('after', HELP_AFTER);
  withServiceOptions(command);
  command.action(async (options: ProduceOptions & { metrics: boolean }) => {
    try {
      await produce({ ...options, metricsPort: options.metrics ? options.metricsPort : false });
    } catch (error) {
      // Setup mistakes (no ffmpeg, unknown type, bad URL, Redis refusing) are the
      // operator's to fix: the message says what, a stack trace would only hide it.
      process.stderr.write(`ei produce: ${(error as Error).message}\n`);
      process.exit(error instanceof CliError ? error.exitCode : 1);
    }
  });
  return command;
}

async function produce(options: ProduceOptions): Promise<void> {
  const config = await loadServiceConfig(options);
  let streams: ProducedStreamConfig[] | undefined;
  if (options.source !== undefined) {
    if (options.type === undefined) throw new CliError('--type is required with --source');
    if (options.name === undefined) throw new CliError('--name is required with --source');
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(options.name)) {
      throw new CliError(
        `--name ${options.name}: letters, digits, "_", ".", ":" or "-", 1 to 128 characters`,
      );
    }
    streams = [
      {
        name: options.name,
        source: options.source,
        type: options.type,
        fps: options.fps,
        maxWidth: options.maxWidth,
        loop: options.loop === true,
      },
    ];
  } else if (config.streams.length === 0) {
    throw new CliError('give --source, --type and --name, or a --config that lists streams');
  } else if (options.loop) {
    streams = config.streams.map((stream) => ({ ...stream, loop: true }));
  }

  const logger = createLogger({
    name: 'producer',
    level: config.log.level,
    format: config.log.format,
  });
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await requireRedis(config);
    const { runProducer } = await import('@ei/producer');
    await runProducer({
      config,
      streams,
      policy: options.policy,
      metricsPort: options.metricsPort,
      ffmpegPath: options.ffmpeg,
      logger,
      signal: controller.signal,
    }).catch(explainPortInUse('--metrics-port', ', 0 for any free port, or --no-metrics'));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidArgumentError('expected a positive number');
  return parsed;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 16 || parsed > 65535) {
    throw new InvalidArgumentError('expected a whole number of pixels, 16 to 65535');
  }
  return parsed;
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new InvalidArgumentError('expected a port number, 0 to 65535');
  }
  return parsed;
}
