import { EiError } from '@ei/core';

/**
 * A shipped model whose bytes are not the ones pinned in builtin-models.ts: written by
 * `ei models prepare` (the converter or its source changed), or found in a models folder.
 */
export class ModelPinError extends EiError {
  constructor(message: string) {
    super('models/pin', message);
  }

  /** `ei models prepare` converted bytes other than the pinned ones. */
  static converted(name: string, actual: string, pinned: string): ModelPinError {
    return new ModelPinError(
      `${name}: the converter wrote sha256 ${actual}, but services/models/src/builtin/builtin-models.ts pins ${pinned}. ` +
        `If the converter, CONVERTER_VERSION or the source package changed on purpose, set PINNED_SHA256.${name} to '${actual}' ` +
        '(`pnpm models:pins` prints every value); otherwise this converter or source package is not the one the pins were made with, and nothing was written.',
    );
  }

  /** A manifest entry of a shipped model that names other bytes than the pinned ones. */
  static inManifest(name: string, manifestSha256: string, pinned: string): ModelPinError {
    return new ModelPinError(
      `model ${name}: the manifest says sha256 ${manifestSha256}, but this version of the platform ships ${name} with sha256 ${pinned}; run \`ei models prepare --force\` to generate it again`,
    );
  }
}
