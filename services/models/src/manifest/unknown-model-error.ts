import { EiError } from '@ei/core';

/** A model name that is neither shipped nor added to the manifest. */
export class UnknownModelError extends EiError {
  constructor(name: string, known: string[], modelsDir: string) {
    super(
      'models/unknown',
      known.length === 0
        ? `unknown model "${name}": ${modelsDir} has no manifest yet; run \`ei models prepare\``
        : `unknown model "${name}"; known: ${known.join(', ')} (manifest in ${modelsDir})`,
    );
  }
}
