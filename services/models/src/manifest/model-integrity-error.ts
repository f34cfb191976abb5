import { EiError } from '@ei/core';

/** A model file is not the one its manifest entry or configuration describes (sha256, input). */
export class ModelIntegrityError extends EiError {
  constructor(message: string) {
    super('models/integrity', message);
  }
}
