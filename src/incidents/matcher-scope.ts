import { labelMatches } from '../lib/labels.js';
import type { Matcher } from './types.js';

/**
 * What a silence or maintenance window takes in. A missing label reads as the empty string, so
 * `team=""` matches every incident WITHOUT a team label, and a scope whose every matcher an
 * unlabelled incident passes (`service!="db"`, `service=~".*"`) holds the pages of every incident
 * lacking those labels. opsbook refuses both rather than guess what was meant: the absent/present
 * forms have to be written as the regexes they are (`!~ ".+"`, `=~ ".+"`).
 */

/** Why an `=`/`!=` matcher with an empty value is refused, or undefined when the matcher is fine. */
export function emptyValueProblem(m: Matcher): string | undefined {
  if (m.value !== '' || (m.op !== '=' && m.op !== '!=')) return undefined;
  return m.op === '='
    ? `must not be empty: ${m.label}="" would match every incident without a "${m.label}" label; to mean that, write op !~ with value ".+"`
    : `must not be empty: ${m.label}!="" would match every incident with a "${m.label}" label; to mean that, write op =~ with value ".+"`;
}

/** Whether an incident lacking the label fails the matcher (so the matcher narrows what it takes in). */
export function narrows(m: Matcher): boolean {
  try {
    return !labelMatches(m, {});
  } catch {
    return true; // a pattern opsbook cannot compile is refused on its own, with its place
  }
}

/** Why these matchers take in too much for a silence, or undefined when one of them names a value. */
export function matchAllProblem(matchers: readonly Matcher[]): string | undefined {
  if (matchers.length === 0) return 'needs at least one matcher (none would silence every incident)';
  if (matchers.some(narrows)) return undefined;
  return 'needs at least one matcher an incident without that label fails (such as service="api"): these would hold every incident lacking the labels they name';
}
