import type { ErrorKind, Logger } from '@ei/core';
import type { Counter } from 'prom-client';

export interface FaultPolicyOptions {
  logger: Logger;
  /** `ei_errors_total`: each fault counts as kind `internal`, for an alert to watch. */
  errors: Counter<'kind'>;
}

/**
 * The last resort of the gateway process, for an exception or a rejection that no code
 * of ours caught: log it with its stack (for us; clients never see it), count it, and
 * keep serving. Everything a client sends is parsed under a guard, so reaching this is a
 * bug. Node's advice is to exit, since state may be left half-updated; here the state is
 * connections and their counters, and a connection a throw left half-handled is closed by
 * the server's timeouts and the relay's pings. Exiting would instead turn the bug into a
 * switch that stops the relay for every client at once, with one request, again after
 * each restart.
 *
 * Returns a function that removes the handlers.
 */
export function installFaultPolicy({ logger, errors }: FaultPolicyOptions): () => void {
  const kind: ErrorKind = 'internal';
  const onException = (error: Error, origin: string): void => {
    errors.inc({ kind });
    logger.error({ err: error, origin }, 'uncaught exception; the gateway keeps serving');
  };
  const onRejection = (reason: unknown): void => {
    errors.inc({ kind });
    logger.error({ err: reason }, 'unhandled promise rejection; the gateway keeps serving');
  };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
