import { EiError } from '../errors/ei-error.js';

export class ConfigError extends EiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config/invalid', message, options);
  }
}
