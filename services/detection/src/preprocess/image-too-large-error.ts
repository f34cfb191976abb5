import { EiError } from '@ei/core';

/** An image whose header announces more pixels than the limit: refused before decoding. */
export class ImageTooLargeError extends EiError {
  constructor(
    readonly width: number,
    readonly height: number,
    readonly maxPixels: number,
  ) {
    super(
      'detection/image-too-large',
      `image of ${width}x${height} pixels exceeds the limit of ${maxPixels} pixels (limits.maxImagePixels)`,
    );
  }
}
