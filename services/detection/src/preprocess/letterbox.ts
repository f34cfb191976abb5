import sharp from 'sharp';
import type { TensorLayout } from '@ei/models';
import { ImageDecodeError } from './image-decode-error.js';
import { ImageTooLargeError } from './image-too-large-error.js';

/** How a model wants its input: size, layout and per-channel `(pixel - mean) / std` on RGB 0..255. */
export interface InputSpec {
  width: number;
  height: number;
  layout: TensorLayout;
  mean: [number, number, number];
  std: [number, number, number];
}

/** Where the source image sits inside the model input; undoes the letterbox for boxes. */
export interface LetterboxTransform {
  sourceWidth: number;
  sourceHeight: number;
  scale: number;
  padLeft: number;
  padTop: number;
}

export interface PreparedTensor {
  data: Float32Array;
  dims: [number, number, number, number];
  letterbox: LetterboxTransform;
}

/** Grey like the Ultralytics letterbox: neutral for every normalisation used here. */
export const PAD_GREY = 114;

/** Largest image decoded by default: 4096 x 4096 pixels (64 MB of RGBA while decoding). */
export const DEFAULT_MAX_IMAGE_PIXELS = 4096 * 4096;

/**
 * Decodes a JPEG (or any image sharp reads), scales it to fit the model input keeping the
 * aspect ratio, pads the rest, and lays it out as the model's float tensor. The decode and
 * resize run in libuv's pool, so the event loop stays free.
 *
 * An image whose header announces more than `maxPixels` pixels is refused from the header
 * alone (`ImageTooLargeError`), before anything is decoded: a JPEG of a few hundred bytes
 * can claim 65535 x 65535 pixels, 12 GB of RGB. sharp's `limitInputPixels` backs the check up
 * inside the decoder.
 */
export async function letterboxImage(
  image: Buffer,
  spec: InputSpec,
  maxPixels = DEFAULT_MAX_IMAGE_PIXELS,
): Promise<PreparedTensor> {
  let raw: Buffer;
  let sourceWidth: number;
  let sourceHeight: number;
  let scale: number;
  let padLeft: number;
  let padTop: number;
  try {
    // The header only, without sharp's own limit (it would refuse before we can tell the size).
    const metadata = await sharp(image, { limitInputPixels: false }).metadata();
    if (!metadata.width || !metadata.height) throw new Error('no image size in the header');
    sourceWidth = metadata.width;
    sourceHeight = metadata.height;
    if (sourceWidth * sourceHeight > maxPixels)
      throw new ImageTooLargeError(sourceWidth, sourceHeight, maxPixels);
    scale = Math.min(spec.width / sourceWidth, spec.height / sourceHeight);
    const width = Math.max(1, Math.round(sourceWidth * scale));
    const height = Math.max(1, Math.round(sourceHeight * scale));
    padLeft = Math.floor((spec.width - width) / 2);
    padTop = Math.floor((spec.height - height) / 2);
    raw = await sharp(image, { limitInputPixels: maxPixels })
      .removeAlpha()
      .toColourspace('srgb')
      .resize(width, height, { fit: 'fill' })
      .extend({
        left: padLeft,
        top: padTop,
        right: spec.width - width - padLeft,
        bottom: spec.height - height - padTop,
        background: { r: PAD_GREY, g: PAD_GREY, b: PAD_GREY },
      })
      .raw()
      .toBuffer();
  } catch (error) {
    if (error instanceof ImageTooLargeError) throw error;
    throw new ImageDecodeError(`cannot decode image: ${(error as Error).message}`, error);
  }
  const plane = spec.width * spec.height;
  const data = new Float32Array(3 * plane);
  const [m0, m1, m2] = spec.mean;
  const [s0, s1, s2] = spec.std;
  if (spec.layout === 'nchw') {
    for (let i = 0; i < plane; i++) {
      data[i] = (raw[3 * i]! - m0) / s0;
      data[plane + i] = (raw[3 * i + 1]! - m1) / s1;
      data[2 * plane + i] = (raw[3 * i + 2]! - m2) / s2;
    }
  } else {
    for (let i = 0; i < plane; i++) {
      data[3 * i] = (raw[3 * i]! - m0) / s0;
      data[3 * i + 1] = (raw[3 * i + 1]! - m1) / s1;
      data[3 * i + 2] = (raw[3 * i + 2]! - m2) / s2;
    }
  }
  const dims: [number, number, number, number] =
    spec.layout === 'nchw' ? [1, 3, spec.height, spec.width] : [1, spec.height, spec.width, 3];
  return { data, dims, letterbox: { sourceWidth, sourceHeight, scale, padLeft, padTop } };
}

/** Maps a box in model-input pixels to the source image, normalised to 0..1 and clipped. */
export function unletterboxBox(
  box: readonly [number, number, number, number],
  letterbox: LetterboxTransform,
): [number, number, number, number] {
  const { scale, padLeft, padTop, sourceWidth, sourceHeight } = letterbox;
  const clip = (value: number): number => Math.min(1, Math.max(0, value));
  return [
    clip((box[0] - padLeft) / scale / sourceWidth),
    clip((box[1] - padTop) / scale / sourceHeight),
    clip((box[2] - padLeft) / scale / sourceWidth),
    clip((box[3] - padTop) / scale / sourceHeight),
  ];
}
