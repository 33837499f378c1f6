import type { Notification } from '../../types.js';

const VERB: Record<string, string> = {
  'incident.triggered': 'Triggered',
  'incident.escalated': 'Escalated',
  'incident.acknowledged': 'Acknowledged',
  'incident.resolved': 'Resolved',
  'incident.reopened': 'Reopened',
  'incident.severity_raised': 'Severity raised',
  test: 'Test',
};

/** One line every channel leads with: `[SEV1] Triggered: API error rate above 5%`. */
export function eventHeadline(n: Notification): string {
  if (n.letter) return n.letter.subject;
  const verb = VERB[n.event] ?? n.event;
  if (!n.incident) return n.event === 'test' ? 'opsbook test notification' : verb;
  return `[${n.incident.severity.toUpperCase()}] ${verb}: ${n.incident.title}`;
}
