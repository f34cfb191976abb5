/**
 * Base class of every error the platform throws on purpose. `code` is stable and
 * machine-readable (metrics label it, the gateway maps it to an HTTP status);
 * `message` is for people and says what to change.
 */
export class EiError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
