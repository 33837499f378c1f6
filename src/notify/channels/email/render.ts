import type { OutboundMessage } from '../../types.js';
import { eventHeadline } from '../shared/wording.js';
import { utcMinute } from '../../../lib/instants.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Read on a phone as often as not: laid out at the screen's width, not a desktop's shrunk. */
const HTML_HEAD = '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"></head><body style="font-family:sans-serif">';

/** Plain text and HTML bodies carrying the same facts and the same links. */
export function renderEmail(m: OutboundMessage): RenderedEmail {
  const n = m.notification;
  if (n.letter) return renderLetter(n.letter);
  const inc = n.incident;
  const subject = eventHeadline(n);
  const facts: Array<[string, string]> = inc
    ? [
        ['Incident', inc.id],
        ['Severity', inc.severity],
        ['Status', inc.status],
        ...(inc.service ? ([['Service', inc.service]] as Array<[string, string]>) : []),
        ...(inc.openedAt !== undefined ? ([['Opened', utcMinute(inc.openedAt)]] as Array<[string, string]>) : []),
        ...(inc.runbook ? ([['Runbook', inc.runbook]] as Array<[string, string]>) : []),
      ]
    : [];
  const links: Array<[string, string]> = [
    ...(inc ? ([['Open the incident', inc.url]] as Array<[string, string]>) : []),
    ...(inc?.runbookUrl ? ([['Open the runbook', inc.runbookUrl]] as Array<[string, string]>) : []),
    ...(m.links.acknowledge ? ([['Acknowledge', m.links.acknowledge]] as Array<[string, string]>) : []),
    ...(m.links.resolve ? ([['Resolve', m.links.resolve]] as Array<[string, string]>) : []),
  ];

  const text = [
    subject,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    ...(inc?.summary ? ['', inc.summary] : []),
    ...(links.length ? ['', ...links.map(([k, v]) => `${k}: ${v}`)] : []),
    '',
    n.event === 'test' ? 'This is a test message from opsbook; the channel works.' : 'The acknowledge and resolve links work without signing in and expire.',
    `Message ${m.id}`,
  ].join('\n');

  const html = [
    HTML_HEAD,
    `<h2>${esc(subject)}</h2>`,
    facts.length ? `<table>${facts.map(([k, v]) => `<tr><th align="left">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>` : '',
    inc?.summary ? `<p>${esc(inc.summary)}</p>` : '',
    links.length ? `<p>${links.map(([k, v]) => `<a href="${esc(v)}">${esc(k)}</a>`).join(' &middot; ')}</p>` : '',
    `<p style="color:#666;font-size:small">Message ${esc(m.id)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** A letter to someone outside the team: its words and links only. */
function renderLetter(letter: NonNullable<OutboundMessage['notification']['letter']>): RenderedEmail {
  const text = [letter.text, '', ...letter.links.map((l) => `${l.label}: ${l.url}`)].join('\n');
  const html = [
    HTML_HEAD,
    ...letter.text.split(/\n{2,}/).map((p) => `<p>${esc(p).replace(/\n/g, '<br>')}</p>`),
    letter.links.length ? `<p>${letter.links.map((l) => `<a href="${esc(l.url)}">${esc(l.label)}</a>`).join(' &middot; ')}</p>` : '',
    '</body></html>',
  ].join('\n');
  return { subject: letter.subject, text, html };
}
