import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@ei/core';
import type { ErrorRequestHandler } from 'express';
import type { ErrorCode } from '../routes/api-schemas.js';
import { HttpError } from '../http-error.js';

/**
 * Every error leaves the gateway as `{"error":{"code","message"}}` (schema `Error`), and
 * only with text of the gateway's own: never an exception's message, which can carry a
 * server path (`ENOENT ... '/app/dashboard/dist/...'`), nor a stack trace. Those go to
 * the log when the failure is the gateway's.
 */
export function errorJson(code: ErrorCode, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/** The HTTP status an error of express or one of its middlewares carries, else 500. */
function statusOf(error: unknown): number {
  if (typeof error !== 'object' || error === null) return 500;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && value >= 400 && value < 600 ? value : 500;
}

export interface ErrorHandlerOptions {
  logger: Logger;
  /** False while Redis is away: a failure then is most likely that, and answered 503. */
  redisReady: () => boolean;
}

/** The last express middleware: every error becomes a JSON answer, 4xx for bad input. */
export function jsonErrorHandler({ logger, redisReady }: ErrorHandlerOptions): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    // A failure in the middle of a body already sent (a file read error): the client can
    // only learn of it by the connection closing.
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const answer = (status: number, code: ErrorCode, message: string): void => {
      // A static file's refusal (a range past its end) has set the file's type already.
      response.status(status).type('application/json').send(errorJson(code, message));
    };
    if (error instanceof HttpError)
      return answer(error.status, error.code as ErrorCode, error.message);
    const status = statusOf(error);
    // express's own refusals (a path segment that does not decode, a range that does not
    // fit): their status, our words.
    if (status < 500) {
      const code: ErrorCode = status === 404 ? 'route/not-found' : 'request/invalid';
      return answer(status, code, (STATUS_CODES[status] ?? 'bad request').toLowerCase());
    }
    if (!redisReady()) return answer(503, 'redis/unavailable', 'Redis is not reachable; retrying');
    logger.error({ err: error, path: request.path }, 'request failed');
    answer(500, 'request/failed', 'the gateway failed; its log has the details');
  };
}

/** How long an answered socket is kept for the client to read the answer and close. */
const LINGER_MS = 2000;
/** Sockets already answered: node reports a bad request again for each later chunk. */
const answered = new WeakSet<Duplex>();

/**
 * Answers on a raw socket (a websocket upgrade, a request node could not parse) and
 * closes it. The close lingers (RFC 9112, 9.6): what the client still sends is read and
 * dropped until it closes its side, or for 2 s at most, because closing a socket with
 * unread input resets the connection, and a reset can make the client lose the answer it
 * has not read yet.
 */
export function answerSocket(
  socket: Duplex,
  status: number,
  code: ErrorCode,
  message: string,
  { withBody = true }: { withBody?: boolean } = {},
): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = withBody ? errorJson(code, message) : '';
  const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.resume();
}
