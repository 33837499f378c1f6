import { CommanderError, InvalidArgumentError } from 'commander';

/**
 * Flag values checked while the command line is parsed, before a command reads its config or
 * reaches a server: a bad value is a usage error (exit 2) that names the flag, whichever command has it.
 * Each parser throws commander's InvalidArgumentError, which commander words as
 * `option '--limit <n>' argument 'ten' is invalid. must be a whole number 1–10000`.
 */

/** The exit status of a usage error: an unknown flag or command, a missing argument, a bad flag value. */
export const USAGE_EXIT = 2;

/**
 * The exit status for what commander raised: 0 for help or the version asked for, 2 for every usage
 * error (commander itself says 1), a group named without its command (`opsbook incident`) included.
 */
export function commanderExitCode(e: CommanderError): number {
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
  if (e.code === 'commander.help' && e.exitCode === 0) return 0;
  return USAGE_EXIT;
}

/** A whole number within [min, max]. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number ${min}–${max}`);
    return n;
  };
}

/** A port to listen on, 0 (any free one) to 65535. */
export const portNumber = wholeNumber(0, 65_535);

/** An IANA time zone such as Europe/Berlin. */
export function timeZone(value: string): string {
  try {
    if (value.trim() !== '') return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    // told below
  }
  throw new InvalidArgumentError('must be an IANA time zone such as Europe/Berlin');
}

/** One more regular expression for a repeatable flag. */
export function regexList(value: string, previous: string[]): string[] {
  try {
    new RegExp(value);
  } catch (e) {
    throw new InvalidArgumentError(`is not a regular expression: ${(e as Error).message}`);
  }
  return [...previous, value];
}

/** An ISO 8601 date or instant (2026-01-01, 2026-01-01T00:00:00Z); kept as written. */
export function isoDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('must be an ISO 8601 date or instant such as 2026-01-01 or 2026-01-01T00:00:00Z');
  return value;
}

/** One more `NAME=VALUE` for a repeatable flag. */
export function nameValueList(value: string, previous: string[]): string[] {
  if (value.indexOf('=') <= 0) throw new InvalidArgumentError('must be NAME=VALUE');
  return [...previous, value];
}

/** `N` or `N.M` (a step, or a command of a step), both counted from 1. */
export function stepNumber(value: string): string {
  if (!/^[1-9]\d*(\.[1-9]\d*)?$/.test(value)) throw new InvalidArgumentError('must be a step number N or N.M (its M-th command), e.g. 2 or 2.1');
  return value;
}
