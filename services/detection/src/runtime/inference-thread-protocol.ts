/** Messages between an InferenceThread and its thread body (inference-thread-main.ts). */
import type { ModelOutputs } from '../postprocess/model-outputs.js';
import type { InputTensor } from './model-runner.js';

/** `workerData` of the thread. */
export interface ThreadData {
  /** The ONNX file's bytes, verified by the caller and transferred, not copied. */
  model: Uint8Array;
  intraOpThreads: number;
}

export interface RunRequest {
  id: number;
  feeds: Record<string, InputTensor>;
}

/** Ends the thread after the runs before it: `close` cleanly, `crash` with an uncaught exception. */
export type ControlRequest = { control: 'close' } | { control: 'crash'; reason: string };

export type ThreadRequest = RunRequest | ControlRequest;

export interface RunReply {
  id: number;
  outputs: ModelOutputs;
  /** Time `session.run` took inside the thread, ms. */
  runMs: number;
}

export type ThreadReply =
  | { ready: true; inputNames: string[]; outputNames: string[] }
  | { fatal: string }
  | RunReply
  | { id: number; error: string };
