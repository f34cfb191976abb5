import { EiError } from '@ei/core';

/**
 * A model that cannot serve as described: its outputs do not fit its decoder (wrong
 * `--decoder` or labels), or a test inference fails. Raised when the model is loaded or
 * added, so a worker refuses it before taking any frame.
 */
export class ModelCheckError extends EiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('detection/model-check', message, options);
  }
}
