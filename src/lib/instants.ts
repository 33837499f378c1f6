/**
 * Instants as people read them in messages and timelines: the zone said, never guessed, and no
 * milliseconds or `T`/`Z` (a timeline becomes a post-incident review; ISO 8601 stays in the JSON).
 */

/** `2026-03-02 03:14 UTC`: a page's opening, read on a phone. */
export function utcMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `2026-03-02 03:14:07 UTC`: a deadline on the timeline, to the second it is measured by. */
export function utcSecond(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
