import type { ModelOutputs } from './model-outputs.js';

/** A box before NMS, in pixels of the model input (the letterboxed image). */
export interface BoxCandidate {
  classId: number;
  score: number;
  box: [number, number, number, number];
}

export interface DecodeContext {
  inputWidth: number;
  inputHeight: number;
  numClasses: number;
  /** Candidates below this score are not even produced: it keeps NMS small. */
  scoreThreshold: number;
}

/** Turns a model family's raw outputs into box candidates. */
export type DetectionDecoder = (outputs: ModelOutputs, context: DecodeContext) => BoxCandidate[];
