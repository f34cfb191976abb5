import { fileURLToPath } from 'node:url';

/**
 * The folder of generated models: $EI_MODELS_DIR, else `models/` at the repository root
 * (this file sits at services/worker/{src,dist}/models/, four levels below it).
 */
export function defaultModelsDirectory(): string {
  return (
    process.env.EI_MODELS_DIR ?? fileURLToPath(new URL('../../../../models/', import.meta.url))
  );
}
