import { EiError } from '@ei/core';
import type { ErrorCode } from './routes/api-schemas.js';

/** An error with an HTTP status, sent to the client as `{ error: { code, message } }`. */
export class HttpError extends EiError {
  readonly status: number;

  /** `code` is one of the API's documented codes (`ERROR_CODES`). */
  constructor(status: number, code: ErrorCode, message: string) {
    super(code, message);
    this.status = status;
  }
}
