/**
 * Result types shared by workers, the gateway and the dashboard. This file and
 * result-codec.ts are browser-safe: no Node modules.
 */

/** One detected object. The box is normalised to the image: 0..1, [x1, y1, x2, y2]. */
export interface Detection {
  label: string;
  classId: number;
  score: number;
  box: [number, number, number, number];
}

export interface StageTimings {
  /** Capture to dequeue. */
  queueWaitMs: number;
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
}

export interface ModelIdentity {
  name: string;
  version: string;
  sha256: string;
}

/** What a worker publishes for one frame (plus the frame's JPEG, carried beside it). */
export interface InferenceResult {
  streamId: string;
  type: string;
  seq: number;
  /** ms since epoch. */
  captureTs: number;
  dequeuedTs: number;
  publishedTs: number;
  width: number;
  height: number;
  detections: Detection[];
  timings: StageTimings;
  model: ModelIdentity;
  workerId: string;
}
