import { EiError } from '@ei/core';

/** A source that can never work as given (malformed URL, unknown scheme, missing file). */
export class SourceError extends EiError {
  constructor(message: string) {
    super('producer/bad-source', message);
  }
}
