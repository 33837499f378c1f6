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

/** A value met while walking a parsed JSON value: its key in its parent, and the way back to the root. */
export interface JsonNode {
  value: unknown;
  key: string | number | undefined;
  parent: JsonNode | undefined;
}

/** The keys from the root down to `node`. */
export function jsonNodePath(node: JsonNode): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let n: JsonNode | undefined = node; n?.key !== undefined; n = n.parent) path.push(n.key);
  return path.reverse();
}

/**
 * Visits every value of a parsed JSON value in document order, without recursion (a deeply nested
 * body cannot exhaust the stack) and in time linear in its size: each node links to its parent
 * instead of carrying a copy of its path (a copy per node made one 200 KB body nested 100,000 deep
 * cost minutes of the event loop). Returns the first answer `check` gives.
 */
export function firstInJson<T>(value: unknown, check: (node: JsonNode) => T | undefined): T | undefined {
  const stack: JsonNode[] = [{ value, key: undefined, parent: undefined }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const found = check(node);
    if (found !== undefined) return found;
    const v = node.value;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: node });
    } else if (v && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], key: entries[i]![0], parent: node });
    }
  }
  return undefined;
}

/** The path of the first string (value or key) in `value` that holds a character no store can keep, and what it is. */
export function findUnstorableText(value: unknown, root: string): { path: string; what: string } | undefined {
  return firstInJson(value, (node) => {
    if (typeof node.key === 'string') {
      const what = unstorable(node.key);
      if (what) return { path: jsonPath(root, [...jsonNodePath(node.parent!), JSON.stringify(node.key)]), what: `a key holding ${what}` };
    }
    if (typeof node.value === 'string') {
      const what = unstorable(node.value);
      if (what) return { path: jsonPath(root, jsonNodePath(node)), what };
    }
    return undefined;
  });
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
