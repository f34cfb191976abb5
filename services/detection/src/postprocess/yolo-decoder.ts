import type { BoxCandidate, DetectionDecoder } from './detection-decoder.js';
import { ModelOutputError } from './model-output-error.js';

/**
 * Ultralytics exports, boxes as centre/size in input pixels:
 * - YOLOv8/v11: `[1, 4 + classes, N]`, class scores without objectness;
 * - YOLOv5: `[1, N, 5 + classes]`, objectness then class scores (score = objectness × class).
 */
export const decodeYolo: DetectionDecoder = (outputs, context) => {
  const tensors = Object.values(outputs);
  if (tensors.length !== 1)
    throw new ModelOutputError(`yolo: expected one output, the model has ${tensors.length}`);
  const { dims, data } = tensors[0]!;
  const classes = context.numClasses;
  const candidates: BoxCandidate[] = [];
  if (dims.length === 3 && dims[1] === 4 + classes) {
    const count = dims[2]!;
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < classes; c++) {
        const score = data[(4 + c) * count + i]!;
        if (score < context.scoreThreshold) continue;
        candidates.push({
          classId: c,
          score,
          box: centreToCorners(
            data[i]!,
            data[count + i]!,
            data[2 * count + i]!,
            data[3 * count + i]!,
          ),
        });
      }
    }
    return candidates;
  }
  if (dims.length === 3 && dims[2] === 5 + classes) {
    const stride = 5 + classes;
    for (let i = 0; i < dims[1]!; i++) {
      const row = i * stride;
      const objectness = data[row + 4]!;
      if (objectness < context.scoreThreshold) continue;
      for (let c = 0; c < classes; c++) {
        const score = objectness * data[row + 5 + c]!;
        if (score < context.scoreThreshold) continue;
        candidates.push({
          classId: c,
          score,
          box: centreToCorners(data[row]!, data[row + 1]!, data[row + 2]!, data[row + 3]!),
        });
      }
    }
    return candidates;
  }
  throw new ModelOutputError(
    `yolo: output shape [${dims.join(', ')}] is neither [1, 4+${classes}, N] (v8/v11) nor [1, N, 5+${classes}] (v5); check the labels (${classes} classes)`,
  );
};

function centreToCorners(
  cx: number,
  cy: number,
  w: number,
  h: number,
): [number, number, number, number] {
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}
