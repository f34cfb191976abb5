import { statSync } from 'node:fs';
import { SourceError } from './source-error.js';

/**
 * How a source behaves. Files are paced, may loop and end; the others are live cameras
 * that are retried for ever when they stop.
 */
export type SourceKind = 'file' | 'rtsp' | 'http' | 'v4l2';

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const V4L2_DEVICE = /^\/dev\/video\d+$/;

/**
 * Classifies a source and rejects what can never work, with a message that says what
 * is accepted. A camera that is merely unreachable is not an error here: producers
 * retry it. A file that does not exist is, since waiting would not create it.
 */
export function classifySource(source: string): SourceKind {
  if (V4L2_DEVICE.test(source)) return 'v4l2';
  const scheme = SCHEME.exec(source)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    let url: URL;
    try {
      url = new URL(source);
    } catch {
      throw new SourceError(`source ${source} is not a valid URL`);
    }
    if (url.hostname === '') throw new SourceError(`source ${source} has no host`);
    if (scheme === 'rtsp' || scheme === 'rtsps') return 'rtsp';
    if (scheme === 'http' || scheme === 'https') return 'http';
    throw new SourceError(
      `source ${source}: unsupported scheme ${scheme}:// (use a video file, rtsp://, http(s):// MJPEG or /dev/videoN)`,
    );
  }
  if (/^(rtsps?|https?):/i.test(source)) {
    // "rtsp:/camera" and the like: a URL with a typo rather than a file name.
    throw new SourceError(`source ${source} is not a valid URL (missing "//"?)`);
  }
  let isFile = false;
  try {
    isFile = statSync(source).isFile();
  } catch {
    throw new SourceError(
      `source ${source}: no such file (use a video file, rtsp://, http(s):// MJPEG or /dev/videoN)`,
    );
  }
  if (!isFile) throw new SourceError(`source ${source} is not a regular file`);
  return 'file';
}
