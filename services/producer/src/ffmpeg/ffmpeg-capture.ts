import type { ChildProcess } from 'node:child_process';
import ffmpeg from 'fluent-ffmpeg';
import { captureArgs, type CaptureArgsOptions } from './capture-args.js';
import { JpegSplitter, type JpegImage } from './jpeg-splitter.js';

export interface FfmpegCaptureOptions extends CaptureArgsOptions {
  ffmpegPath: string;
  source: string;
}

/** How one ffmpeg run ended. */
export interface CaptureEnd {
  /** ffmpeg exited by itself with status 0 (a file reached its end). */
  ok: boolean;
  error?: Error;
}

/**
 * One ffmpeg process turning a source into JPEG images. Iterate `images`; when iteration
 * ends, `ended` tells why. Reading slowly slows ffmpeg down (pipe backpressure), which is
 * what lossless mode relies on.
 */
export class FfmpegCapture {
  readonly images: AsyncIterable<JpegImage>;
  readonly ended: Promise<CaptureEnd>;
  /** Command line, for logs. */
  commandLine = '';
  private readonly command: ffmpeg.FfmpegCommand;
  private readonly splitter = new JpegSplitter();
  private killReason: string | undefined;
  private process: ChildProcess | undefined;

  constructor(options: FfmpegCaptureOptions) {
    const { inputOptions, outputOptions } = captureArgs(options);
    this.images = this.splitter;
    this.command = ffmpeg({ source: options.source, stdoutLines: 20 })
      .setFfmpegPath(options.ffmpegPath)
      .inputOptions(inputOptions)
      .outputOptions(outputOptions);

    let stdoutEnded = false;
    let exit: CaptureEnd | undefined;
    let resolveEnded!: (end: CaptureEnd) => void;
    this.ended = new Promise((resolve) => (resolveEnded = resolve));
    const finish = (): void => {
      if (exit === undefined || !(stdoutEnded || this.process === undefined)) return;
      if (!this.splitter.writableEnded && !this.splitter.destroyed) this.splitter.end();
      resolveEnded(exit);
    };
    // fluent-ffmpeg would end (and, 20 ms later, "kill") on the target's close event, which
    // races a clean exit. With end: false the images end only once both stdout is drained
    // and ffmpeg's exit status is known.
    this.splitter.on('unpipe', () => {
      stdoutEnded = true;
      finish();
    });
    this.command.on('start', (commandLine: string) => {
      this.commandLine = commandLine;
      this.process = (this.command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      // kill() before the spawn had nothing to kill yet.
      if (this.killReason !== undefined) this.command.kill('SIGKILL');
    });
    this.command.on('end', () => {
      exit = { ok: true };
      finish();
      this.drainFallback();
    });
    this.command.on('error', (error: Error) => {
      const reason = this.killReason;
      exit = { ok: false, error: reason === undefined ? error : new Error(reason) };
      finish();
      this.drainFallback();
    });
    this.command.pipe(this.splitter, { end: false });
  }

  /** Stops ffmpeg; `ended` then reports `reason` as the error. */
  kill(reason: string): void {
    this.killReason ??= reason;
    this.command.kill('SIGKILL');
  }

  /** Frees the pipe if stdout never reports its end after the exit (it normally does at once). */
  private drainFallback(): void {
    const stdout = this.process?.stdout;
    setTimeout(() => {
      if (this.splitter.writableEnded || this.splitter.destroyed) return;
      stdout?.unpipe(this.splitter);
      this.splitter.end();
    }, 1000).unref();
  }
}
