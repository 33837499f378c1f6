import type { Daemon } from '../../daemon/index.js';
import type { StatusPage } from '../../statuspage/index.js';

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (ms: number): string => new Date(ms).toISOString();

/** RFC 4287 Atom: one entry per published update, newest first, ids stable across renders. */
export async function statusAtom(daemon: Daemon, model: StatusPage): Promise<string> {
  const base = daemon.config.server.public_url.replace(/\/+$/, '');
  const { title } = daemon.config.status_page;
  const { active, history } = await model.incidents();
  const entries = [...active, ...history]
    .flatMap((i) => i.updates.map((u) => ({ i, u })))
    .sort((a, b) => b.u.at - a.u.at || (a.u.id < b.u.id ? 1 : -1));
  const updated = entries[0]?.u.at ?? daemon.clock.now();
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `<title>${xml(title)}</title>`,
    `<id>${xml(`${base}/status`)}</id>`,
    `<link rel="alternate" type="text/html" href="${xml(`${base}/status`)}"/>`,
    `<link rel="self" type="application/atom+xml" href="${xml(`${base}/status/feed.atom`)}"/>`,
    `<updated>${iso(updated)}</updated>`,
    `<author><name>${xml(title)}</name></author>`,
    ...entries.map(({ i, u }) =>
      [
        '<entry>',
        `<id>${xml(`${base}/status#${u.id}`)}</id>`,
        `<title>${xml(`[${u.state.charAt(0).toUpperCase()}${u.state.slice(1)}] ${i.title}`)}</title>`,
        `<link rel="alternate" type="text/html" href="${xml(`${base}/status`)}"/>`,
        `<updated>${iso(u.at)}</updated>`,
        `<published>${iso(u.at)}</published>`,
        `<content type="text">${xml(`${i.service ? `${i.service.name}: ` : ''}${u.body}`)}</content>`,
        '</entry>',
      ].join('\n'),
    ),
    '</feed>',
    '',
  ].join('\n');
}
