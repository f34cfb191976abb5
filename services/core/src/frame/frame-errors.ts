import { EiError } from '../errors/ei-error.js';

/** Why a frame message was rejected. Used as the `reason` label of error metrics. */
export type FrameDecodeReason =
  | 'truncated'
  | 'bad-magic'
  | 'bad-version'
  | 'too-large'
  | 'bad-field'
  | 'bad-length'
  | 'bad-image';

/** The only error `decodeFrame` throws: bad input is always reported through it. */
export class FrameDecodeError extends EiError {
  readonly reason: FrameDecodeReason;

  constructor(reason: FrameDecodeReason, message: string) {
    super(`frame/${reason}`, message);
    this.reason = reason;
  }
}

/** Thrown by `encodeFrame` when the caller's frame breaks the protocol. */
export class FrameEncodeError extends EiError {
  constructor(message: string) {
    super('frame/encode', message);
  }
}
