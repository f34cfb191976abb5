import type * as ModelBuildTools from '@ei/models/build';
import { CliError } from './cli-error.js';

/**
 * The model build tools (converter, install-time generation), loaded on demand: a
 * production install (the container images) leaves their dependencies out, and no other
 * command needs them.
 */
export async function loadModelBuildTools(): Promise<typeof ModelBuildTools> {
  try {
    return await import('@ei/models/build');
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' ||
      (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
    ) {
      throw new CliError(
        'the model build tools are not installed here (a production install leaves them out): run this command from a source checkout after `pnpm install`',
      );
    }
    throw error;
  }
}
