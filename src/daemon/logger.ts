import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * Structured JSON logs; readable lines when stdout is a terminal. `destination` lets tests
 * capture the log.
 */
export function createLogger(options: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? 'info';
  const usePretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (options.destination) return pino({ level, base: { service: 'opsbook' } }, options.destination);
  if (usePretty) return pino({ level }, pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  return pino({ level, base: { service: 'opsbook' } });
}
