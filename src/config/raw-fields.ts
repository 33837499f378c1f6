import { matchesPrefix, type PathSegment } from './paths.js';

/**
 * Fields that hold shell or SQL text. `${…}` there belongs to the shell or the database, so it is
 * never expanded from opsbook's environment. Patterns are dot-separated config paths where `*`
 * matches one key or list index and `**` any number; a match covers everything beneath the field.
 * Domains add their own fields here (one line each).
 */
export const RAW_TEXT_FIELDS: readonly string[] = [
  'checks.*.command',
  'checks.*.script',
  'checks.*.query',
  'checks.*.sql',
  'procedures.*.steps.*.command',
  'procedures.*.steps.*.sql',
];

export function isRawTextField(segments: readonly PathSegment[], patterns: readonly string[] = RAW_TEXT_FIELDS): boolean {
  return patterns.some((p) => matchesPrefix(p, segments));
}
