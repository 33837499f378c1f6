import { z } from 'zod';
import { LAST_EPOCH_MS } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';

/** `body.items[0].name` from a zod issue path. */
export function jsonPath(root: string, path: ReadonlyArray<PropertyKey>): string {
  let out = root;
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return out;
}

export { LAST_EPOCH_MS } from '../lib/clock.js';

/**
 * An instant in epoch ms a request may name (a number, or its digits in a query): from 1970 to the
 * end of year 9999, so it can be stored, compared and written back as an ISO date.
 */
export function epochMs() {
  return z.coerce.number().int().min(0).max(LAST_EPOCH_MS, { error: 'must be epoch ms before the year 10000' });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What a string holds that no store can keep as sent: NUL (PostgreSQL text refuses it) or half a UTF-16 pair. */
function unstorable(text: string): string | undefined {
  if (text.includes('\u0000')) return 'a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'half of a UTF-16 surrogate pair (not Unicode text)';
  return undefined;
}

/**
 * The path of the first string (value or key) in `value` that holds a character no store can keep,
 * and what it is. Walked without recursion, so a deeply nested body cannot exhaust the stack.
 */
export function findUnstorableText(value: unknown, root: string): { path: string; what: string } | undefined {
  const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const what = unstorable(v);
      if (what) return { path: jsonPath(root, path), what };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i] });
    } else if (v && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        const what = unstorable(key);
        if (what) return { path: jsonPath(root, [...path, JSON.stringify(key)]), what: `a key holding ${what}` };
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return undefined;
}

/**
 * Validates one part of a request against its schema. Every problem is listed in the message; the
 * first one's JSON path is the error's location. Text no store can keep (a NUL, half a surrogate
 * pair) is refused at its path first, so it is refused alike on every store instead of failing
 * inside one of them.
 */
export function parseRequestPart<T>(schema: z.ZodType<T>, value: unknown, part: 'body' | 'query' | 'params'): T {
  const bad = findUnstorableText(value, part);
  if (bad) throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `${bad.path} holds ${bad.what}`, { location: { path: bad.path } });
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.message} → ${jsonPath(part, i.path)}`);
  throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', issues.join('; '), {
    location: { path: jsonPath(part, result.error.issues[0]?.path ?? []) },
  });
}
