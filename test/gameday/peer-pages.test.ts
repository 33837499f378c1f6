/** A scenario's `page.peers`: the first page must reach each named peer in a message naming the incident. */
import { describe, expect, it } from 'vitest';
import { describeMissingPeerPages, missingPeerPages } from '../../src/gameday/peer-pages.js';
import type { PeerMessage } from '../../src/gameday/peers.js';

const accepted: PeerMessage[] = [
  { channel: 'pagerduty', to: 'trigger', text: '{"dedup_key":"inc_1","payload":{"severity":"warning"}}', at: 0 },
  { channel: 'slack', to: '/services/T0/B0/novapulse-alerts', text: '{"text":"[P3] … http://x/incidents/inc_1"}', at: 0 },
  { channel: 'email', to: 'alerts@novapulse.com', text: 'Subject: [P2] …\r\n\r\nIncident inc_2', at: 0 },
];

describe('peer pages', () => {
  it('finds each wanted message by channel, recipient and wording, for this incident only', () => {
    expect(missingPeerPages(accepted, 'inc_1', [{ channel: 'slack', to: 'novapulse-alerts' }, { channel: 'pagerduty', to: 'trigger', says: '"severity":"warning"' }])).toEqual([]);
    // The email named another incident; PagerDuty was told warning, not critical.
    const missing = missingPeerPages(accepted, 'inc_1', [{ channel: 'email', to: 'alerts@novapulse.com' }, { channel: 'pagerduty', says: '"severity":"critical"' }]);
    expect(missing).toEqual([{ channel: 'email', to: 'alerts@novapulse.com' }, { channel: 'pagerduty', says: '"severity":"critical"' }]);
    expect(describeMissingPeerPages(accepted, 'inc_1', missing)).toMatch(/no email to alerts@novapulse\.com; pagerduty saying \/"severity":"critical"\/ .*took for inc_1: pagerduty trigger, slack/);
  });
});
