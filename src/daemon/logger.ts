import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type prettyStream from 'pino-pretty';

const require = createRequire(import.meta.url);

export type { Logger } from 'pino';

/**
 * Structured JSON logs; readable lines when stdout is a terminal. `destination` lets tests
 * capture the log.
 */
export function createLogger(options: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? 'info';
  const usePretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (options.destination) return pino({ level, base: { service: 'opsbook' } }, options.destination);
  if (usePretty) {
    // pino-pretty loads only for a terminal: a daemon under a supervisor or logging to a pipe skips it.
    const pretty = require('pino-pretty') as typeof prettyStream;
    return pino({ level }, pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino({ level, base: { service: 'opsbook' } });
}
