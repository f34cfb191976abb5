import type { BoxCandidate, DetectionDecoder } from './detection-decoder.js';
import { ModelOutputError } from './model-output-error.js';
import type { OutputTensor } from './model-outputs.js';

/**
 * SSD exports with NMS-free post-processing outputs (the TF Object Detection API layout):
 * `boxes` `[1, N, 4]` as normalised `[ymin, xmin, ymax, xmax]`, `scores` `[1, N]` and
 * `classes` `[1, N]` (0-based indices into the labels). Outputs are found by name.
 */
export const decodeSsd: DetectionDecoder = (outputs, context) => {
  const boxes = byName(outputs, 'box');
  const scores = byName(outputs, 'score');
  const classes = byName(outputs, 'class');
  const count = scores.data.length;
  if (boxes.data.length !== count * 4 || classes.data.length !== count) {
    throw new ModelOutputError(
      `ssd: boxes [${boxes.dims.join(', ')}], scores [${scores.dims.join(', ')}] and classes [${classes.dims.join(', ')}] disagree on N`,
    );
  }
  const candidates: BoxCandidate[] = [];
  for (let i = 0; i < count; i++) {
    const score = scores.data[i]!;
    if (score < context.scoreThreshold) continue;
    const classId = Math.round(classes.data[i]!);
    if (classId < 0 || classId >= context.numClasses) continue;
    const [ymin, xmin, ymax, xmax] = boxes.data.subarray(4 * i, 4 * i + 4);
    candidates.push({
      classId,
      score,
      box: [
        xmin! * context.inputWidth,
        ymin! * context.inputHeight,
        xmax! * context.inputWidth,
        ymax! * context.inputHeight,
      ],
    });
  }
  return candidates;
};

function byName(outputs: Readonly<Record<string, OutputTensor>>, part: string): OutputTensor {
  const name = Object.keys(outputs).find((candidate) => candidate.toLowerCase().includes(part));
  if (name === undefined)
    throw new ModelOutputError(
      `ssd: no output whose name contains "${part}" (outputs: ${Object.keys(outputs).join(', ')})`,
    );
  return outputs[name]!;
}
