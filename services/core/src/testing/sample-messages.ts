import type { Frame } from '../frame/frame.js';
import type { InferenceResult } from '../results/inference-result.js';
import { sampleJpeg } from './sample-jpeg.js';

/** A frame of stream `streamId` carrying a small valid JPEG (or `data`), captured now. */
export function sampleFrame(
  streamId: string,
  seq: number,
  options: { type?: string; data?: Buffer } = {},
): Frame {
  return {
    streamId,
    type: options.type ?? 'people',
    seq,
    captureTs: Date.now(),
    width: 64,
    height: 48,
    encoding: 'jpeg',
    data: options.data ?? sampleJpeg(),
  };
}

/** A result of stream `streamId` with one person, fixed timings and model. */
export function sampleResult(streamId: string, seq: number): InferenceResult {
  return {
    streamId,
    type: 'people',
    seq,
    captureTs: 1,
    dequeuedTs: 2,
    publishedTs: 3,
    width: 640,
    height: 480,
    detections: [{ label: 'person', classId: 0, score: 0.9, box: [0.1, 0.2, 0.3, 0.4] }],
    timings: { queueWaitMs: 1, preprocessMs: 2, inferenceMs: 30, postprocessMs: 1 },
    model: { name: 'nanodet', version: '1', sha256: 'a'.repeat(64) },
    workerId: 'w1',
  };
}
