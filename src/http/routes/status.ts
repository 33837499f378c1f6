import type { Daemon } from '../../daemon/index.js';
import { activeOccurrence, type Incident } from '../../incidents/index.js';
import { uptimeBars, when, type DayUptime, type State } from '../ui/components.js';
import { dailyUptime, summarizeChecks, worstState } from '../ui/data/checks.js';
import { incidentReader, openIncidents } from '../ui/data/incidents.js';
import { html, type Html } from '../ui/html.js';
import type { UiRoute } from '../ui/route.js';

/**
 * The public status page. It is built only from what may be public: a service's display name, a
 * state word, fixed sentences for incident updates, times and uptime figures. Never labels,
 * hosts, URLs, check names or errors, incident titles, runbook text or timeline notes — a test
 * (test/ui/status-leak.test.ts) plants such values in a config and looks for them in the page.
 */

const PUBLIC_STATE: Record<State, string> = {
  up: 'Operational',
  warning: 'Degraded performance',
  critical: 'Partial outage',
  down: 'Major outage',
  unknown: 'No data yet',
  maintenance: 'Under maintenance',
};

// Incident updates in fixed words, keyed by the state the incident moved to.
const PUBLIC_UPDATE: Record<string, string> = {
  triggered: 'Investigating — we are looking into a problem.',
  acknowledged: 'Investigating — our team is on it.',
  investigating: 'Identified — we are working on the cause.',
  mitigated: 'Monitoring — a fix is in place and we are watching it.',
  resolved: 'Resolved — this incident is over.',
};

const DAYS = 90;
const CACHE_MS = 60_000;
const cache = new WeakMap<Daemon, { at: number; bars: Map<string, DayUptime[]> }>();

async function uptimeByService(daemon: Daemon): Promise<Map<string, DayUptime[]>> {
  const now = daemon.clock.now();
  const hit = cache.get(daemon);
  if (hit && now - hit.at < CACHE_MS) return hit.bars;
  const bars = new Map<string, DayUptime[]>();
  for (const s of daemon.config.services) {
    const ids = daemon.config.checks.filter((c) => c.service === s.id).map((c) => c.id);
    bars.set(s.id, await dailyUptime(daemon, ids, DAYS));
  }
  cache.set(daemon, { at: now, bars });
  return bars;
}

async function publicUpdates(daemon: Daemon, incident: Incident): Promise<Array<{ at: number; text: string }>> {
  const timeline = await incidentReader(daemon).timeline(incident.id);
  return timeline
    .filter((e) => e.kind === 'status' && typeof e.data.to === 'string' && PUBLIC_UPDATE[e.data.to])
    .map((e) => ({ at: e.at, text: PUBLIC_UPDATE[e.data.to as string]! }))
    .reverse();
}

function shell(body: Html, overall: string): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Status · ${overall}</title>
<link rel="stylesheet" href="/ui/static/opsbook.css">
</head>
<body class="status-page">
<main id="main">
<h1>System status</h1>
${body}
</main>
</body>
</html>
`;
}

export async function renderStatusPage(daemon: Daemon): Promise<Html> {
  const now = daemon.clock.now();
  const checks = await summarizeChecks(daemon);
  const incidents = await openIncidents(daemon);
  const bars = await uptimeByService(daemon);
  const components = daemon.config.services.map((s) => {
    const inMaintenance = daemon.config.maintenance.some((w) => (w.services.length === 0 || w.services.includes(s.id)) && w.matchers.length === 0 && activeOccurrence(w, now));
    const measured = worstState(checks.filter((c) => c.service === s.id).map((c) => c.state));
    const state: State = inMaintenance && measured !== 'up' ? 'maintenance' : measured;
    return { id: s.id, name: s.name ?? s.id, state, incidents: incidents.filter((i) => i.service === s.id) };
  });
  const worst = worstState(components.map((c) => (c.state === 'maintenance' ? 'up' : c.state)));
  const overall = worst === 'up' || worst === 'unknown' ? 'All systems operational' : PUBLIC_STATE[worst];
  const affected = components.filter((c) => c.incidents.length > 0);
  const updates = new Map<string, Array<{ at: number; text: string }>>();
  for (const c of affected) for (const i of c.incidents) updates.set(i.id, await publicUpdates(daemon, i));
  return shell(
    html`<p class="overall overall-${worst}" role="status">${overall}</p>
${affected.length
  ? html`<section aria-labelledby="h-active"><h2 id="h-active">Active incidents</h2>${affected.flatMap((c) =>
      c.incidents.map(
        (i, n) => html`<article class="card incident-public">
<h3>${c.name}: ${PUBLIC_STATE[c.state === 'up' ? 'warning' : c.state]}${c.incidents.length > 1 ? ` (${n + 1})` : ''}</h3>
<p class="muted">Since ${when(i.openedAt)}</p>
<ol class="updates">${(updates.get(i.id) ?? []).map((u) => html`<li>${when(u.at)} — ${u.text}</li>`)}</ol>
</article>`,
      ),
    )}</section>`
  : ''}
<section aria-labelledby="h-components"><h2 id="h-components">Components</h2>
${components.length === 0 ? html`<p>No components.</p>` : ''}
<ul class="components">${components.map(
  (c) => html`<li class="component">
<p><strong>${c.name}</strong> <span class="state state-${c.state}">${PUBLIC_STATE[c.state]}</span></p>
${uptimeBars(bars.get(c.id) ?? [], c.name)}
<p class="muted bars-legend"><span>${DAYS} days ago</span><span>today</span></p>
</li>`,
)}</ul>
</section>
<p class="muted">Updated ${when(now)}</p>`,
    overall,
  );
}

export function statusRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/status',
      access: 'public',
      summary: 'The public status page: components, their state, active incidents, 90-day uptime.',
      handler: ({ daemon }) => renderStatusPage(daemon),
    },
  ];
}
