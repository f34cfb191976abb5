import { EiError } from '@ei/core';

/** The bytes given as a frame are not an image sharp can decode. */
export class ImageDecodeError extends EiError {
  constructor(message: string, cause?: unknown) {
    super('detection/image-decode', message, { cause });
  }
}
