import type { z } from 'zod';
import { OpsbookError } from '../lib/errors/index.js';

/** `body.items[0].name` from a zod issue path. */
export function jsonPath(root: string, path: ReadonlyArray<PropertyKey>): string {
  let out = root;
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return out;
}

/**
 * Validates one part of a request against its schema. Every problem is listed in the message; the
 * first one's JSON path is the error's location.
 */
export function parseRequestPart<T>(schema: z.ZodType<T>, value: unknown, part: 'body' | 'query' | 'params'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.message} → ${jsonPath(part, i.path)}`);
  throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', issues.join('; '), {
    location: { path: jsonPath(part, result.error.issues[0]?.path ?? []) },
  });
}
