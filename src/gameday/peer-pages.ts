import type { PeerMessage } from './peers.js';
import type { Scenario } from './spec.js';

export type PeerPage = Scenario['page']['peers'][number];

/**
 * The messages on the world's channel peers that carry the incident's first page: those naming the
 * incident (a PagerDuty event's dedup_key, a Slack message's link, an email's body all carry its id).
 */
function forIncident(accepted: readonly PeerMessage[], incidentId: string): PeerMessage[] {
  return accepted.filter((m) => m.text.includes(incidentId));
}

function matches(m: PeerMessage, want: PeerPage): boolean {
  return m.channel === want.channel && (!want.to || m.to.includes(want.to)) && (!want.says || new RegExp(want.says, 'm').test(m.text));
}

/** The expected peer messages not (yet) received for the incident; empty when all arrived. */
export function missingPeerPages(accepted: readonly PeerMessage[], incidentId: string, wanted: readonly PeerPage[]): PeerPage[] {
  const mine = forIncident(accepted, incidentId);
  return wanted.filter((w) => !mine.some((m) => matches(m, w)));
}

/** How a missing peer message reads in a failure, with what the peers did get for the incident. */
export function describeMissingPeerPages(accepted: readonly PeerMessage[], incidentId: string, missing: readonly PeerPage[]): string {
  const wanted = missing.map((w) => [w.channel, w.to && `to ${w.to}`, w.says && `saying /${w.says}/`].filter(Boolean).join(' ')).join('; ');
  const got = forIncident(accepted, incidentId).map((m) => `${m.channel} ${m.to}`).join(', ') || 'nothing';
  return `the first page did not reach the world's channel peers as configured: no ${wanted} (the peers took for ${incidentId}: ${got})`;
}
