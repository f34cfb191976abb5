import { EiError, maskCredentials } from '@ei/core';

/**
 * A source that can never work as given (malformed URL, unknown scheme, missing file). Its
 * message quotes the source, so credentials are masked.
 */
export class SourceError extends EiError {
  constructor(message: string) {
    super('producer/bad-source', maskCredentials(message));
  }
}
