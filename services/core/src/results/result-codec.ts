import type { InferenceResult } from './inference-result.js';

/**
 * A live result message: the metadata as JSON and the frame's original JPEG, untouched.
 * Workers publish it, the gateway forwards the same bytes to websocket clients and the
 * dashboard decodes it; browser-safe (Uint8Array, DataView, TextEncoder).
 *
 *   off  size  field
 *     0     3  magic "EIR"
 *     3     1  version (1)
 *     4     4  metadata length M (u32, big-endian)
 *     8     M  metadata, UTF-8 JSON of InferenceResult
 *   8+M     -  JPEG bytes
 */
export const RESULT_VERSION = 1;
const HEADER = 8;
const MAX_METADATA_BYTES = 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export class ResultDecodeError extends Error {
  readonly code = 'result/decode';
  constructor(message: string) {
    super(message);
    this.name = 'ResultDecodeError';
  }
}

export function encodeResultMessage(result: InferenceResult, jpeg: Uint8Array): Uint8Array {
  const metadata = encoder.encode(JSON.stringify(result));
  const out = new Uint8Array(HEADER + metadata.length + jpeg.length);
  out.set([0x45, 0x49, 0x52, RESULT_VERSION], 0);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(4, metadata.length);
  out.set(metadata, HEADER);
  out.set(jpeg, HEADER + metadata.length);
  return out;
}

/** Decodes a live result message; the JPEG is a view into `message`, not a copy. */
export function decodeResultMessage(message: Uint8Array): {
  result: InferenceResult;
  jpeg: Uint8Array;
} {
  if (
    message.length < HEADER ||
    message[0] !== 0x45 ||
    message[1] !== 0x49 ||
    message[2] !== 0x52
  ) {
    throw new ResultDecodeError('not a result message (bad magic or too short)');
  }
  if (message[3] !== RESULT_VERSION)
    throw new ResultDecodeError(`result version ${message[3]} is not supported`);
  const length = new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(4);
  if (length > MAX_METADATA_BYTES || HEADER + length > message.length) {
    throw new ResultDecodeError(
      `metadata length ${length} does not fit the message of ${message.length} bytes`,
    );
  }
  let result: InferenceResult;
  try {
    result = JSON.parse(
      decoder.decode(message.subarray(HEADER, HEADER + length)),
    ) as InferenceResult;
  } catch (error) {
    throw new ResultDecodeError(`metadata is not valid JSON: ${(error as Error).message}`);
  }
  if (
    typeof result !== 'object' ||
    result === null ||
    typeof result.streamId !== 'string' ||
    !Array.isArray(result.detections)
  ) {
    throw new ResultDecodeError('metadata lacks streamId or detections');
  }
  return { result, jpeg: message.subarray(HEADER + length) };
}
