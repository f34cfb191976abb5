import { EiError } from '@ei/core';

/** A mistake of the user's (bad option, missing file): printed without a stack trace. */
export class CliError extends EiError {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super('cli/usage', message);
    this.exitCode = exitCode;
  }
}
