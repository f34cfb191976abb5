import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { FfmpegNotFoundError } from './ffmpeg-not-found-error.js';

/** Where the ffmpeg binary came from, for logs and `ei produce --help` troubleshooting. */
export type FfmpegOrigin = 'option' | 'env' | 'system' | 'npm';

export interface FfmpegLocation {
  path: string;
  origin: FfmpegOrigin;
}

export interface LocateFfmpegOptions {
  /** Explicit binary; when given it must exist, nothing else is tried. */
  path?: string;
  /** Environment read for `FFMPEG_PATH` and `PATH`. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Finds ffmpeg: an explicit path, then `FFMPEG_PATH`, then `ffmpeg` on the `PATH` (the
 * distribution's build, with every codec and protocol), then the static binary of
 * `@ffmpeg-installer/ffmpeg` so a fresh `pnpm install` works without a system package.
 * An explicit path or `FFMPEG_PATH` that does not exist is an error rather than a silent
 * fallback: the operator asked for that binary.
 */
export function locateFfmpeg(options: LocateFfmpegOptions = {}): FfmpegLocation {
  const env = options.env ?? process.env;
  if (options.path !== undefined && options.path !== '') {
    if (isExecutable(options.path)) return { path: options.path, origin: 'option' };
    throw new FfmpegNotFoundError(
      `ffmpeg not found at ${options.path} (--ffmpeg): give the path of an ffmpeg executable`,
    );
  }
  const fromEnv = env.FFMPEG_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (isExecutable(fromEnv)) return { path: fromEnv, origin: 'env' };
    throw new FfmpegNotFoundError(
      `ffmpeg not found at FFMPEG_PATH=${fromEnv}: fix or unset FFMPEG_PATH, or install ffmpeg (Debian: apt-get install ffmpeg)`,
    );
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'ffmpeg');
    if (isExecutable(candidate)) return { path: candidate, origin: 'system' };
  }
  const shipped = shippedFfmpeg();
  if (shipped !== undefined) return { path: shipped, origin: 'npm' };
  throw new FfmpegNotFoundError(
    'ffmpeg not found: install it (Debian/Ubuntu: apt-get install ffmpeg), or set FFMPEG_PATH to an ffmpeg executable',
  );
}

function shippedFfmpeg(): string | undefined {
  try {
    // The package is CommonJS and throws plain strings on unsupported platforms.
    const installer = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as {
      path?: unknown;
    };
    return typeof installer.path === 'string' && isExecutable(installer.path)
      ? installer.path
      : undefined;
  } catch {
    return undefined;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
