import { EiError } from '@ei/core';

/** An error with an HTTP status, sent to the client as `{ error: { code, message } }`. */
export class HttpError extends EiError {
  readonly status: number;

  constructor(status: number, code: string, message: string) {
    super(code, message);
    this.status = status;
  }
}
