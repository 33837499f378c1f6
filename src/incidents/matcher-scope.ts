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

/**
 * What a silence stored before these rules takes in that a new one may not, and how to narrow it;
 * undefined when a new silence could be made with these matchers. Such a silence still applies: a
 * stored silence is never changed behind its author's back, it is shown with this everywhere it is listed.
 */
export function tooBroadWarning(matchers: readonly Matcher[]): string | undefined {
  const takes: string[] = [];
  for (const m of matchers) {
    if (m.value !== '' || (m.op !== '=' && m.op !== '!=')) continue;
    takes.push(m.op === '=' ? `${m.label}="" matches every incident without a "${m.label}" label` : `${m.label}!="" matches every incident with a "${m.label}" label`);
  }
  if (matchers.length === 0) takes.push('with no matcher it holds every incident');
  else if (!matchers.some(narrows)) takes.push('an incident without the labels its matchers name passes them all, so it holds every such incident');
  if (takes.length === 0) return undefined;
  return `takes in more than opsbook accepts now (stored before such silences were refused): ${takes.join('; ')}. To narrow it, create a silence with a matcher that names a value (such as service="api"; !~ ".+" for "without the label", =~ ".+" for "with it"), then expire this one`;
}
