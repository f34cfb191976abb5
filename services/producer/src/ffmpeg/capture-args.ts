import type { SourceKind } from '../source/source-kind.js';

export interface CaptureArgsOptions {
  kind: SourceKind;
  /** Frames per second to emit (ffmpeg `fps` filter); every source frame when left out. */
  fps?: number;
  /** Frames wider than this are scaled down, keeping the aspect ratio; never scaled up. */
  maxWidth?: number;
  /** Files only: read at the file's own rate (`-re`) instead of as fast as possible. */
  realtime: boolean;
  /** Files only: start again at the end (`-stream_loop -1`, one process, no gap). */
  loop: boolean;
  /** ffmpeg JPEG quality scale, 2 (best) .. 31. */
  jpegQuality: number;
  /** RTSP transport. `tcp` survives lossy links and NAT; `udp` has less latency. */
  rtspTransport: 'tcp' | 'udp';
}

/**
 * Input and output options of one capture: decode, optionally resample and scale, and
 * encode once to JPEG on stdout. Timeouts are not set here: their ffmpeg options differ
 * between versions (4.x's RTSP `-timeout` even means "listen"), so the producer's own
 * watchdog detects a stalled source instead.
 */
export function captureArgs(options: CaptureArgsOptions): {
  inputOptions: string[];
  outputOptions: string[];
} {
  const inputOptions = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  switch (options.kind) {
    case 'file':
      if (options.realtime) inputOptions.push('-re');
      if (options.loop) inputOptions.push('-stream_loop', '-1');
      break;
    case 'rtsp':
      inputOptions.push('-rtsp_transport', options.rtspTransport);
      break;
    case 'http':
      break;
    case 'v4l2':
      inputOptions.push('-f', 'v4l2');
      break;
  }
  const filters: string[] = [];
  if (options.fps !== undefined) filters.push(`fps=${options.fps}`);
  if (options.maxWidth !== undefined) {
    // -2 keeps the aspect ratio with an even height, which every JPEG decoder handles.
    filters.push(`scale=w='min(iw,${options.maxWidth})':h=-2`);
  }
  const outputOptions = ['-an', '-sn', '-dn'];
  if (filters.length > 0) outputOptions.push('-vf', filters.join(','));
  outputOptions.push(
    '-f',
    'image2pipe',
    '-c:v',
    'mjpeg',
    '-pix_fmt',
    'yuvj420p',
    '-q:v',
    String(options.jpegQuality),
    // One encoder thread per stream: measured 12% less CPU at 640x480 than ffmpeg's slice
    // threads, and a producer's parallelism comes from its many streams anyway.
    '-threads',
    '1',
  );
  return { inputOptions, outputOptions };
}
