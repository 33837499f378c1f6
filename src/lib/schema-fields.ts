import { z } from 'zod';
import { formatDuration, parseDuration } from './duration.js';
import type { ErrorCode } from './errors/index.js';

/**
 * Schema fields shared by every config section and by the domains that own a section's options
 * (check kinds): durations, ids, labels. One spelling of "5m" or "api-db" holds everywhere. Here in
 * lib/ so a domain can build its option schema without importing config/, which composes them.
 */

/** The `params` key a custom zod issue uses to carry its opsbook error code to the loader. */
export const ISSUE_CODE_PARAM = 'opsbookCode';

/** Adds a located issue with an opsbook code from inside a zod transform/refinement. */
export function pushIssue(
  ctx: { issues: unknown[] },
  code: ErrorCode,
  message: string,
  input: unknown,
  path?: PropertyKey[],
): void {
  ctx.issues.push({ code: 'custom', message, input, params: { [ISSUE_CODE_PARAM]: code }, ...(path ? { path } : {}) });
}

/**
 * What a written timeout past its interval is told, after the key's name (`timeout 15s must not be
 * longer than interval 10s; …`). Such a run is still going when the next is due, so the work would
 * go at the pace of its timeout, not its interval; Prometheus refuses scrape_timeout > scrape_interval.
 */
export function timeoutPastInterval(timeoutMs: number, intervalMs: number): string {
  return `${formatDuration(timeoutMs)} must not be longer than interval ${formatDuration(intervalMs)}; shorten the timeout or lengthen the interval`;
}

/** Bounds of a duration field, in milliseconds. */
export interface DurationBounds {
  min?: number | string;
  max?: number | string;
}

/** A duration as written in config: `500ms`, `10s`, `5m`, `1h30m`, `720h`, `30d`, `2w`. */
export const DURATION_PATTERN = '^(0|(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+)$';

// Keyed by the schema's def, which clones made by .describe()/.meta()/.optional() inner share.
const durationDefs = new WeakMap<object, { min?: number; max?: number }>();

/** Bounds of a schema made by `duration()`, or undefined when it is not one (used by the docs). */
export function durationInfo(schema: z.core.$ZodType): { min?: number; max?: number } | undefined {
  // .refine()/.check() clone with a new def but remember the schema they came from.
  for (let s: z.core.$ZodType | undefined = schema, n = 0; s && n < 20; s = s._zod.parent, n++) {
    const info = durationDefs.get(s._zod.def);
    if (info) return info;
  }
  return undefined;
}

function toMs(v: number | string | undefined, what: string): number | undefined {
  if (v === undefined || typeof v === 'number') return v;
  const ms = parseDuration(v);
  if (ms === undefined) throw new Error(`duration(): ${what} "${v}" is not a duration`);
  return ms;
}

/**
 * A duration field: accepts `10s`, `5m`, `1h30m`, `720h`, `30d`, outputs milliseconds. Bounds are
 * inclusive. Problems carry `OPSBOOK_E_CONFIG_DURATION` and read like `must be at least 1s`; the
 * loader prefixes the field name.
 */
export function duration(bounds: DurationBounds = {}) {
  const min = toMs(bounds.min, 'min');
  const max = toMs(bounds.max, 'max');
  // YAML reads `interval: 30` as a number; pass it on as text so the message can say a unit is missing.
  const schema = z.preprocess(
    (v) => (typeof v === 'number' ? String(v) : v),
    z.string().transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        pushIssue(ctx, 'OPSBOOK_E_CONFIG_DURATION', `must be a duration such as 30s, 5m or 1h30m (got "${text}")`, text);
        return z.NEVER;
      }
      if (min !== undefined && ms < min) {
        pushIssue(ctx, 'OPSBOOK_E_CONFIG_DURATION', `must be at least ${formatDuration(min)} (got ${text})`, text);
        return z.NEVER;
      }
      if (max !== undefined && ms > max) {
        pushIssue(ctx, 'OPSBOOK_E_CONFIG_DURATION', `must be at most ${formatDuration(max)} (got ${text})`, text);
        return z.NEVER;
      }
      return ms;
    }),
  ).meta({ pattern: DURATION_PATTERN });
  durationDefs.set(schema._zod.def, { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) });
  return schema;
}

/** What an id looks like: lowercase, starts with a letter or digit, then letters, digits, `_`, `.`, `-`. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/;

/** An id that other config refers to (`api`, `api-db`, `payments.primary`). */
export const id = () =>
  z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(100, { error: 'must be at most 100 characters' })
    .regex(ID_PATTERN, { error: 'must be a lowercase id: a-z, 0-9, then also _ . - (e.g. api-db)' });

/** Label names follow Prometheus: letters, digits and `_`, not starting with a digit. */
export const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A `name: value` map attached to a service or check; values are text. */
export const labels = () =>
  z
    .record(
      z
        .string()
        .regex(LABEL_NAME_PATTERN, { error: 'label names use letters, digits and _ (not starting with a digit)' })
        .meta({ title: 'label' }),
      z.string().describe('Label value.'),
    )
    .default({});

/** The email schema every mailboxAddress call checks with: building a zod schema costs more than the check. */
let emailAddress: z.ZodEmail | undefined;

/** `ops@example.com` or `Ops team <ops@example.com>`: the address of a mail sender or recipient. */
export function mailboxAddress(text: string): string | undefined {
  const m = /^(?:[^<>]*<\s*([^<>\s]+)\s*>|([^<>\s]+))$/.exec(text.trim());
  const address = m?.[1] ?? m?.[2];
  return address !== undefined && (emailAddress ??= z.email()).safeParse(address).success ? address : undefined;
}

/** A mail sender or recipient: an address, alone or after a display name. */
export const mailbox = () =>
  z.string().superRefine((text, ctx) => {
    if (mailboxAddress(text) === undefined) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be an email address, alone or as "Name <address>" (got "${text}")`, text);
    }
  });

/**
 * A section written either as a list of files (its short form, read as `files:`) or as its mapping
 * (`files:` and the rest); anything else is refused saying both forms, not "must be a mapping".
 */
export function filesOrMapping<T extends z.ZodObject>(object: T) {
  return z.preprocess((v, ctx) => {
    if (Array.isArray(v)) return { files: v };
    if (v === undefined || (typeof v === 'object' && v !== null)) return v;
    pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be a list of files or a mapping of ${Object.keys(object.shape).join(', ')} (got ${v === null ? 'null' : typeof v === 'string' ? JSON.stringify(v) : String(v)})`, v);
    return z.NEVER;
  }, object);
}
