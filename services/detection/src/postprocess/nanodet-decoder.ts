import type { BoxCandidate, DetectionDecoder } from './detection-decoder.js';
import { ModelOutputError } from './model-output-error.js';
import type { OutputTensor } from './model-outputs.js';

/**
 * NanoDet (GFL head): per stride one `[1, N, classes]` score map (already sigmoid) and one
 * `[1, N, 4 * bins]` box map, a softmax distribution over distances (left, top, right,
 * bottom) from the cell centre, in units of the stride.
 */
export const decodeNanodet: DetectionDecoder = (outputs, context) => {
  const scores: OutputTensor[] = [];
  const boxes: OutputTensor[] = [];
  for (const output of Object.values(outputs)) {
    if (output.dims[2] === context.numClasses) scores.push(output);
    else boxes.push(output);
  }
  if (scores.length === 0) {
    throw new ModelOutputError(
      `nanodet: no score output of shape [1, N, ${context.numClasses}] (one per label)`,
    );
  }
  const candidates: BoxCandidate[] = [];
  for (const scoreMap of scores) {
    const cells = scoreMap.dims[1]!;
    const boxMap = boxes.find((candidate) => candidate.dims[1] === cells);
    if (boxMap === undefined)
      throw new ModelOutputError(`nanodet: no box output with ${cells} cells`);
    const stride = Math.round(Math.sqrt((context.inputWidth * context.inputHeight) / cells));
    const gridWidth = Math.ceil(context.inputWidth / stride);
    if (gridWidth * Math.ceil(context.inputHeight / stride) !== cells) {
      throw new ModelOutputError(
        `nanodet: ${cells} cells do not tile the ${context.inputWidth}x${context.inputHeight} input at any stride`,
      );
    }
    const bins = boxMap.dims[2]! / 4;
    for (let cell = 0; cell < cells; cell++) {
      const centreX = ((cell % gridWidth) + 0.5) * stride;
      const centreY = (Math.floor(cell / gridWidth) + 0.5) * stride;
      let distances: number[] | undefined;
      for (let classId = 0; classId < context.numClasses; classId++) {
        const score = scoreMap.data[cell * context.numClasses + classId]!;
        if (score < context.scoreThreshold) continue;
        distances ??= expectedDistances(boxMap.data, cell * 4 * bins, bins, stride);
        candidates.push({
          classId,
          score,
          box: [
            centreX - distances[0]!,
            centreY - distances[1]!,
            centreX + distances[2]!,
            centreY + distances[3]!,
          ],
        });
      }
    }
  }
  return candidates;
};

/** Softmax over each side's bins, then the expected bin index, in pixels. */
function expectedDistances(
  data: Float32Array,
  offset: number,
  bins: number,
  stride: number,
): number[] {
  const distances: number[] = [];
  for (let side = 0; side < 4; side++) {
    const start = offset + side * bins;
    let max = -Infinity;
    for (let b = 0; b < bins; b++) max = Math.max(max, data[start + b]!);
    let sum = 0;
    let weighted = 0;
    for (let b = 0; b < bins; b++) {
      const e = Math.exp(data[start + b]! - max);
      sum += e;
      weighted += e * b;
    }
    distances.push((weighted / sum) * stride);
  }
  return distances;
}
