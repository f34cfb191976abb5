import { decodeBlazeface } from './blazeface-decoder.js';
import type { DecoderFamily } from '@ei/models';
import type { DetectionDecoder } from './detection-decoder.js';
import { decodeNanodet } from './nanodet-decoder.js';
import { decodeSsd } from './ssd-decoder.js';
import { decodeYolo } from './yolo-decoder.js';

/** The decoder of each model family the manifest can name. */
export const DECODERS: Readonly<Record<DecoderFamily, DetectionDecoder>> = {
  nanodet: decodeNanodet,
  blazeface: decodeBlazeface,
  yolo: decodeYolo,
  ssd: decodeSsd,
};
