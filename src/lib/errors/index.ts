import { ERROR_CATALOGUE, type ErrorCode, type ErrorKind } from './catalogue.js';

export { ERROR_CATALOGUE, type ErrorCode, type ErrorKind, type ErrorSpec } from './catalogue.js';

/** Where an error points: a file position, a JSON path into a document, or both. */
export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
  /** Path into the document, e.g. `checks[3].interval`. */
  path?: string;
}

export class OpsbookError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { location?: ErrorLocation; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OpsbookError';
    this.code = code;
    this.location = options.location;
    this.details = options.details;
  }

  get kind(): ErrorKind {
    return ERROR_CATALOGUE[this.code].kind;
  }

  /** `message → path (file:line)` as the CLI prints it. */
  describe(): string {
    return `${this.message}${formatLocation(this.location)}`;
  }
}

/** ` → checks[3].interval (ops.yaml:41)`, or the parts of it that are known. */
export function formatLocation(loc: ErrorLocation | undefined): string {
  if (!loc) return '';
  let out = '';
  if (loc.path) out += ` → ${loc.path}`;
  if (loc.file) {
    const pos = loc.line ? `${loc.file}:${loc.line}${loc.column ? `:${loc.column}` : ''}` : loc.file;
    out += loc.path ? ` (${pos})` : ` (${pos})`;
  }
  return out;
}

export function isOpsbookError(e: unknown): e is OpsbookError {
  return e instanceof OpsbookError;
}
