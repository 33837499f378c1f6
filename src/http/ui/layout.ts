import { VERSION, type Daemon } from '../../daemon/index.js';
import type { Session } from '../sessions/index.js';
import { html, type Html, type HtmlValue } from './html.js';

export type NavKey = 'overview' | 'incidents' | 'checks' | 'executions' | 'oncall' | 'runbooks' | 'maintenance' | 'status' | 'report' | 'tokens' | 'none';

const NAV: Array<{ key: NavKey; href: string; label: string }> = [
  { key: 'overview', href: '/', label: 'Overview' },
  { key: 'incidents', href: '/incidents', label: 'Incidents' },
  { key: 'checks', href: '/checks', label: 'Checks' },
  { key: 'executions', href: '/executions', label: 'Executions' },
  { key: 'oncall', href: '/oncall', label: 'On call' },
  { key: 'runbooks', href: '/runbooks', label: 'Runbooks' },
  { key: 'maintenance', href: '/maintenance', label: 'Maintenance & silences' },
  { key: 'status', href: '/status/publish', label: 'Status page' },
  { key: 'report', href: '/report', label: 'Report' },
];

export interface PageOptions {
  title: string;
  session: Session | undefined;
  nav?: NavKey;
  body: HtmlValue;
  /** Subscribe the page to live updates (server-sent events). */
  live?: boolean;
  /** More scripts of /ui/static the page uses (deferred). */
  scripts?: string[];
  /** The page's `<h1>` when it is more than the title's text (one the live updates replace: see `liveHeading`). */
  heading?: Html;
}

/** What the browser's tab says for a page titled `title`. */
export function documentTitle(title: string): string {
  return `${title} · opsbook`;
}

/** A page's `<h1>` that live updates of `key` (`TYPE:ID`) replace, with the tab's title (see live.js). */
export function liveHeading(key: string, title: string): Html {
  return html`<h1 data-live="${key}">${title}</h1>`;
}

/** The hidden field every state-changing form carries. */
export function csrfField(session: Session | undefined): Html {
  return html`<input type="hidden" name="_csrf" value="${session?.csrf ?? ''}">`;
}

/** A whole page for a signed-in person: skip link, navigation, who they are, sign-out. */
export function page(daemon: Daemon, opts: PageOptions): Html {
  const s = opts.session;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${documentTitle(opts.title)}</title>
<link rel="stylesheet" href="/ui/static/opsbook.css">
${s ? html`<meta name="csrf-token" content="${s.csrf}">` : ''}
${opts.live ? html`<script src="/ui/static/live.js" defer></script>` : ''}
${(opts.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
${s && daemon.config.channels.some((c) => c.kind === 'webpush') ? html`<script src="/ui/static/push.js" defer></script>` : ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">opsbook</a>
  ${s
    ? html`<nav aria-label="Main"><ul>${NAV.map(
        (n) => html`<li><a href="${n.href}"${n.key === opts.nav ? html` aria-current="page"` : ''}>${n.label}</a></li>`,
      )}${s.actor.role === 'admin' ? html`<li><a href="/tokens"${opts.nav === 'tokens' ? html` aria-current="page"` : ''}>API tokens</a></li>` : ''}</ul></nav>
  ${daemon.config.channels.some((c) => c.kind === 'webpush') ? html`<button type="button" class="push" data-push-subscribe hidden>Page me in this browser</button>` : ''}
  <form class="who" method="post" action="/logout">
    <span>${s.actor.name} <span class="role">(${s.actor.role})</span></span>
    ${csrfField(s)}
    <button type="submit">Sign out</button>
  </form>`
    : ''}
</header>
<main id="main" tabindex="-1">
${opts.heading ?? html`<h1>${opts.title}</h1>`}
${opts.live ? html`<p class="live-status" role="status" aria-live="polite" data-live-status>Live updates: connecting…</p>` : ''}
${opts.body}
</main>
<footer><p>opsbook ${VERSION}</p></footer>
</body>
</html>
`;
}
