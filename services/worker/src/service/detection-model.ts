import type { Detection, ModelIdentity } from '@ei/core';
import type { ThreadTensor } from '../inference/inference-thread.js';

/** A JPEG decoded and turned into model input, with what the decoder needs to map boxes back. */
export interface PreparedInput {
  feeds: Record<string, ThreadTensor>;
  /** Size of the decoded image in pixels. */
  width: number;
  height: number;
  /** Decoder context (letterbox scale and padding...), opaque to the worker loop. */
  context: unknown;
}

/**
 * What the worker loop needs from a detector, split in the three stages it pipelines:
 * `prepare` (JPEG decode and letterbox, in libuv's pool), `run` (the model, on the
 * inference thread) and `decode` (outputs to normalised detections, NMS included).
 */
export interface DetectionModel {
  readonly identity: ModelIdentity;
  prepare(jpeg: Buffer): Promise<PreparedInput>;
  run(input: PreparedInput): Promise<{ outputs: Record<string, ThreadTensor>; runMs: number }>;
  decode(outputs: Record<string, ThreadTensor>, input: PreparedInput): Detection[];
  close(): Promise<void>;
}
