import type { BoxCandidate, DetectionDecoder } from './detection-decoder.js';
import { ModelOutputError } from './model-output-error.js';
import type { OutputTensor } from './model-outputs.js';

/** SSD anchors of MediaPipe's full-range (back) face detector: per stride, anchors per cell. */
const ANCHOR_LAYERS = [
  { stride: 16, perCell: 2 },
  { stride: 32, perCell: 6 },
];

/**
 * BlazeFace: per anchor layer a `[1, N, 1]` score logit and a `[1, N, 16]` regression
 * (centre offset, size, then six keypoints) in input pixels, relative to unit-size anchors.
 */
export const decodeBlazeface: DetectionDecoder = (outputs, context) => {
  const tensors = Object.values(outputs);
  const candidates: BoxCandidate[] = [];
  for (const layer of ANCHOR_LAYERS) {
    const gridWidth = Math.ceil(context.inputWidth / layer.stride);
    const gridHeight = Math.ceil(context.inputHeight / layer.stride);
    const count = gridWidth * gridHeight * layer.perCell;
    const scores = find(tensors, count, 1);
    const boxes = find(tensors, count, 16);
    // score ≥ threshold  ⇔  logit ≥ logit(threshold): skip the sigmoid for most anchors.
    const minLogit = Math.log(context.scoreThreshold / (1 - context.scoreThreshold));
    for (let anchor = 0; anchor < count; anchor++) {
      const logit = scores.data[anchor]!;
      if (logit < minLogit) continue;
      const cell = Math.floor(anchor / layer.perCell);
      const anchorX = ((cell % gridWidth) + 0.5) * layer.stride;
      const anchorY = (Math.floor(cell / gridWidth) + 0.5) * layer.stride;
      const offset = anchor * 16;
      const centreX = anchorX + boxes.data[offset]!;
      const centreY = anchorY + boxes.data[offset + 1]!;
      const halfWidth = boxes.data[offset + 2]! / 2;
      const halfHeight = boxes.data[offset + 3]! / 2;
      candidates.push({
        classId: 0,
        score: 1 / (1 + Math.exp(-logit)),
        box: [centreX - halfWidth, centreY - halfHeight, centreX + halfWidth, centreY + halfHeight],
      });
    }
  }
  return candidates;
};

function find(tensors: OutputTensor[], count: number, width: number): OutputTensor {
  const tensor = tensors.find(
    (candidate) => candidate.dims[1] === count && candidate.dims[2] === width,
  );
  if (tensor === undefined)
    throw new ModelOutputError(`blazeface: no output of shape [1, ${count}, ${width}]`);
  return tensor;
}
