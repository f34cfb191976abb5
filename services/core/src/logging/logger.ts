import { pino, type Logger, type LoggerOptions } from 'pino';
import { maskCredentials } from '../secrets/mask-credentials.js';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  /** Service or component name, shown on every line. */
  name: string;
  level?: LoggerOptions['level'];
  /** `auto` (default): readable when stdout is a terminal, JSON otherwise. */
  format?: 'auto' | 'json' | 'pretty';
}

/**
 * JSON lines in production (what log collectors read), colourised text on a terminal.
 * Every line goes through `maskCredentials` on its way out, so a camera URL with a password
 * logged anywhere (a field, a message, an error) never reaches the log.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  return pino({
    name: options.name,
    level: options.level ?? 'info',
    hooks: { streamWrite: maskCredentials },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            // One line per entry: under `ei up` lines of many processes interleave.
            options: {
              colorize: true,
              singleLine: true,
              translateTime: 'HH:MM:ss.l',
              ignore: 'pid,hostname',
            },
          },
        }
      : {}),
  });
}

/**
 * Logs a recurring problem at most once per interval, with the count of occurrences it
 * swallowed, so a flood of bad input cannot flood the log.
 */
export class ThrottledLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed += 1;
      return;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    this.logger.warn({ ...fields, suppressedSinceLast: entry?.suppressed ?? 0 }, message);
  }
}
