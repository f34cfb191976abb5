import { EiError } from '@ei/core';

/** No usable ffmpeg binary; the message says how to install or point to one. */
export class FfmpegNotFoundError extends EiError {
  constructor(message: string) {
    super('producer/ffmpeg-not-found', message);
  }
}
