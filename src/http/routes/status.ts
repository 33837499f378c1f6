import type { Daemon } from '../../daemon/index.js';
import { activeOccurrence } from '../../incidents/index.js';
import { StatusPage, DAY_MS, type PublicIncident, type StatusDay } from '../../statuspage/index.js';
import { when, type State } from '../ui/components.js';
import { summarizeChecks, worstState } from '../ui/data/checks.js';
import { html, type Html, type HtmlValue } from '../ui/html.js';
import type { UiRoute } from '../ui/route.js';
import { statusAtom } from './status-feed.js';

/**
 * The public status page. It is built only from what may be public: a public service's public name,
 * a state word, incidents a person published with the title and updates people wrote for the
 * public, times and daily bars. Never labels, hosts, URLs, check names or errors, incident titles,
 * runbook text or timeline notes — a test (test/ui/status-leak.test.ts) plants such values in a
 * config and looks for them in the page.
 */

const PUBLIC_STATE: Record<State, string> = {
  up: 'Operational',
  warning: 'Degraded performance',
  critical: 'Partial outage',
  down: 'Major outage',
  unknown: 'No data yet',
  maintenance: 'Under maintenance',
};

const CACHE_MS = 60_000;
const cache = new WeakMap<Daemon, { at: number; days: Map<string, StatusDay[]> }>();

/** The daily bars, computed at most once a minute (90 days × checks of reading). */
async function cachedDays(daemon: Daemon, model: StatusPage): Promise<Map<string, StatusDay[]>> {
  const now = daemon.clock.now();
  const hit = cache.get(daemon);
  if (hit && now - hit.at < CACHE_MS && Math.floor(hit.at / DAY_MS) === Math.floor(now / DAY_MS)) return hit.days;
  const days = await model.days();
  cache.set(daemon, { at: now, days });
  return days;
}

/** Forgets the cached bars: a publication changes today's bar at once. */
export function forgetStatusBars(daemon: Daemon): void {
  cache.delete(daemon);
}

const DAY_WORDS: Record<StatusDay['state'], string> = { ok: 'no downtime', minor: 'disruption', major: 'major outage', none: 'no data' };

function dayBars(days: StatusDay[], label: string): Html {
  const w = 4;
  const gap = 1;
  const h = 28;
  const rects = days.map((d, i) => {
    const text = `${new Date(d.day).toISOString().slice(0, 10)}: ${DAY_WORDS[d.state]}${d.downMs > 0 ? `, ${Math.round(d.downMs / 60_000)} min down` : ''}${d.incidents ? `, ${d.incidents} incident${d.incidents > 1 ? 's' : ''}` : ''}`;
    return html`<rect x="${i * (w + gap)}" y="0" width="${w}" height="${h}" class="bar-${d.state}" data-day="${new Date(d.day).toISOString().slice(0, 10)}" data-state="${d.state}"><title>${text}</title></rect>`;
  });
  const known = days.filter((d) => d.uptime !== undefined);
  const overall = known.length ? known.reduce((a, d) => a + d.uptime!, 0) / known.length : undefined;
  const pct = overall === undefined ? 'no data' : `${(overall * 100).toFixed(2)}%`;
  return html`<svg class="bars" viewBox="0 0 ${days.length * (w + gap)} ${h}" preserveAspectRatio="none" role="img" aria-label="${label}: ${days.length}-day uptime ${pct}">${rects}</svg>`;
}

function updates(i: PublicIncident): Html {
  return html`<ol class="updates">${i.updates.map((u) => html`<li><strong>${u.state.charAt(0).toUpperCase()}${u.state.slice(1)}</strong> — ${u.body} <span class="muted">${when(u.at)}</span></li>`)}</ol>`;
}

function shell(daemon: Daemon, body: HtmlValue, overall: string): Html {
  const title = daemon.config.status_page.title;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${overall}</title>
<link rel="stylesheet" href="/ui/static/opsbook.css">
<link rel="alternate" type="application/atom+xml" title="${title}" href="/status/feed.atom">
</head>
<body class="status-page">
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`;
}

export async function renderStatusPage(daemon: Daemon): Promise<Html> {
  const now = daemon.clock.now();
  const model = new StatusPage(daemon);
  // Only each check's state is shown: its latest run.
  const checks = await summarizeChecks(daemon, undefined, 1);
  const { active, history } = await model.incidents();
  const days = await cachedDays(daemon, model);
  const components = model.publicServices().map((s) => {
    const inMaintenance = daemon.config.maintenance.some((w) => (w.services.length === 0 || w.services.includes(s.id)) && w.matchers.length === 0 && activeOccurrence(w, now));
    const measured = worstState(checks.filter((c) => c.service === s.id).map((c) => c.state));
    const published = active.filter((i) => i.service?.id === s.id);
    // A published incident degrades the component even while its checks answer.
    const base: State = published.length > 0 && (measured === 'up' || measured === 'unknown') ? 'warning' : measured;
    const state: State = inMaintenance && base !== 'up' ? 'maintenance' : base;
    return { ...s, state };
  });
  const worst = worstState(components.map((c) => (c.state === 'maintenance' ? 'up' : c.state)));
  const overall = worst === 'up' || worst === 'unknown' ? 'All systems operational' : PUBLIC_STATE[worst];
  const sub = daemon.config.status_page.subscribers;
  return shell(
    daemon,
    html`<p class="overall overall-${worst}" role="status">${overall}</p>
${active.length
  ? html`<section aria-labelledby="h-active"><h2 id="h-active">Active incidents</h2>${active.map(
      (i) => html`<article class="card incident-public" data-incident="${i.incidentId}">
<h3>${i.title}</h3>
<p class="muted">${i.service ? html`${i.service.name} · ` : ''}since ${when(i.publishedAt)}</p>
${updates(i)}
</article>`,
    )}</section>`
  : ''}
<section aria-labelledby="h-components"><h2 id="h-components">Components</h2>
${components.length === 0 ? html`<p>No components.</p>` : ''}
<ul class="components">${components.map(
  (c) => html`<li class="component" data-service="${c.id}">
<p><strong>${c.name}</strong> <span class="state state-${c.state}">${PUBLIC_STATE[c.state]}</span></p>
${dayBars(days.get(c.id) ?? [], c.name)}
<p class="muted bars-legend"><span>${daemon.config.status_page.history_days} days ago</span><span>today</span></p>
</li>`,
)}</ul>
</section>
<section aria-labelledby="h-history"><h2 id="h-history">Past incidents</h2>
${history.length
  ? history.map(
      (i) => html`<article class="card incident-public incident-resolved" data-incident="${i.incidentId}">
<h3>${i.title}</h3>
<p class="muted">${i.service ? html`${i.service.name} · ` : ''}${when(i.publishedAt)} – ${when(i.resolvedAt)}</p>
${updates(i)}
</article>`,
    )
  : html`<p>No incidents in the last ${daemon.config.status_page.history_days} days.</p>`}
</section>
${sub
  ? html`<section aria-labelledby="h-subscribe"><h2 id="h-subscribe">Get updates</h2>
<form method="post" action="/status/subscribe" class="stack">
<p><label for="sub-email">Email</label> <input id="sub-email" name="email" type="email" required maxlength="254" autocomplete="email"> <button type="submit">Subscribe</button></p>
</form>
<p class="muted">Or follow the <a href="/status/feed.atom">Atom feed</a>.</p>
</section>`
  : html`<p class="muted">Follow the <a href="/status/feed.atom">Atom feed</a>.</p>`}
<p class="muted">Updated ${when(now)}</p>`,
    overall,
  );
}

function notice(daemon: Daemon, heading: string, text: HtmlValue): Html {
  return shell(daemon, html`<section class="card"><h2>${heading}</h2><p>${text}</p><p><a href="/status">Back to the status page</a></p></section>`, heading);
}

export function statusRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/status',
      access: 'public',
      summary: 'The public status page: public services, incidents people published, past incidents, daily bars.',
      handler: ({ daemon }) => renderStatusPage(daemon),
    },
    {
      method: 'GET',
      url: '/status/feed.atom',
      access: 'public',
      summary: 'The status page as an Atom feed: one entry per update people published.',
      handler: async ({ daemon, reply }) => {
        const body = await statusAtom(daemon, new StatusPage(daemon));
        await reply.status(200).header('content-type', 'application/atom+xml; charset=utf-8').header('cache-control', 'no-store').send(body);
        return undefined;
      },
    },
    {
      method: 'POST',
      url: '/status/subscribe',
      access: 'public',
      summary: 'Ask for email updates: a confirmation link is mailed first (form).',
      handler: async ({ daemon, form, reply }) => {
        await new StatusPage(daemon).subscribe(form.email ?? '');
        reply.status(202);
        return notice(daemon, 'Check your mail', 'We sent a link to that address. Updates start once you open it.');
      },
    },
    ...mailedLinkRoutes({
      path: '/status/confirm',
      heading: 'Confirm your subscription',
      button: 'Confirm',
      summaries: ['The confirmation link: a button that confirms (mail scanners that open links confirm nothing).', 'Confirm a subscription (form).'],
      act: async (model, token) => ((await model.confirm(token)) ? { heading: 'Subscribed', text: 'You will get an email with every update.' } : undefined),
    }),
    ...mailedLinkRoutes({
      path: '/status/unsubscribe',
      heading: 'Unsubscribe',
      button: 'Unsubscribe',
      summaries: ['The unsubscribe link: a button that unsubscribes.', 'End a subscription (form).'],
      act: async (model, token) => {
        await model.unsubscribe(token);
        // The same answer whether the address was subscribed or not: the page tells nobody who is.
        return { heading: 'Unsubscribed', text: 'No more mail will be sent to this address.' };
      },
    }),
  ];
}

/** A link mailed to a subscriber (confirm, unsubscribe). */
interface MailedLink {
  path: string;
  /** The GET page's heading and its one button. */
  heading: string;
  button: string;
  /** The GET and the POST route's summaries. */
  summaries: [string, string];
  /** Does what the link is for; undefined: the token is unknown (answered 404). */
  act(model: StatusPage, token: string): Promise<{ heading: string; text: string } | undefined>;
}

/**
 * A mailed link's two routes: GET shows one button and changes nothing (mail scanners open links),
 * POST with the token does it.
 */
function mailedLinkRoutes(link: MailedLink): UiRoute[] {
  return [
    {
      method: 'GET',
      url: link.path,
      access: 'public',
      summary: link.summaries[0],
      handler: ({ daemon, query }) =>
        notice(daemon, link.heading, html`<form method="post" action="${link.path}"><input type="hidden" name="token" value="${query.token ?? ''}"><button type="submit">${link.button}</button></form>`),
    },
    {
      method: 'POST',
      url: link.path,
      access: 'public',
      summary: link.summaries[1],
      handler: async ({ daemon, form, reply }) => {
        const done = await link.act(new StatusPage(daemon), form.token ?? '');
        if (done) return notice(daemon, done.heading, done.text);
        reply.status(404);
        return notice(daemon, 'Unknown link', 'This link is not (or no longer) valid. Subscribe again from the status page.');
      },
    },
  ];
}
