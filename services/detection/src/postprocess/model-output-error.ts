import { EiError } from '@ei/core';

/** A model's outputs do not have the layout its decoder expects (wrong decoder or labels). */
export class ModelOutputError extends EiError {
  constructor(message: string) {
    super('detection/model-output', message);
  }
}
