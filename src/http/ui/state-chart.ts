import { duration } from './components.js';
import type { CheckTimeline } from './data/check-timeline.js';
import { escapeHtml as escape, html, trusted, type Html } from './html.js';

function num(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function hhmm(at: number): string {
  return new Date(at).toISOString().slice(11, 16);
}

/** The window's incidents, all of them counted (the chart draws the newest the timeline lists). */
function incidentsNamed(t: CheckTimeline): string {
  const all = t.incidents.length + t.incidentsLeftOut;
  return `${all} incident${all === 1 ? '' : 's'}${t.incidentsLeftOut > 0 ? ` (the newest ${t.incidents.length} drawn)` : ''}`;
}

/**
 * A check's state over a window: outages (down or critical spells, for a check judged by thresholds) as red bands across the whole height (so an outage shows
 * even when latency looks normal), incidents as dashed lines where they opened with their span on a
 * strip at the top, and the latency of each run that was up as a line.
 */
export function stateChart(t: CheckTimeline, title: string): Html {
  const w = 600;
  const h = 180;
  const pad = { l: 48, r: 8, t: 14, b: 22 };
  const span = Math.max(1, t.to - t.from);
  const x = (at: number) => pad.l + ((Math.min(Math.max(at, t.from), t.to) - t.from) / span) * (w - pad.l - pad.r);
  // Runs that were up, as timed: a run opsbook was too slow to time has no latency worth drawing.
  const up = t.results.filter((r) => !r.down && !r.unknown);
  const max = Math.max(1, ...up.map((r) => r.latencyMs)) * 1.1;
  const y = (v: number) => h - pad.b - (v / max) * (h - pad.t - pad.b);
  const parts: string[] = [];
  for (const o of t.outages) {
    const x1 = x(o.from);
    const x2 = Math.max(x(o.to ?? t.to), x1 + 2);
    const text = `${t.critical ? 'Down or critical' : 'Outage'} ${hhmm(o.from)}–${o.to ? hhmm(o.to) : 'now'} UTC (${duration((o.to ?? t.to) - o.from)}, ${o.runs} ${t.critical ? '' : 'failed '}runs)${o.error ? `: ${o.error}` : ''}`;
    parts.push(`<rect x="${num(x1)}" y="${pad.t}" width="${num(x2 - x1)}" height="${h - pad.t - pad.b}" class="outage" data-outage="${o.from}"><title>${escape(text)}</title></rect>`);
    parts.push(`<line x1="${num(x1)}" y1="${h - pad.b}" x2="${num(x2)}" y2="${h - pad.b}" class="outage-line"/>`);
  }
  for (const i of t.incidents) {
    const x1 = x(i.openedAt);
    const text = `Incident ${i.id} (${i.severity}) ${i.title}, opened ${hhmm(i.openedAt)} UTC${i.resolvedAt ? `, resolved ${hhmm(i.resolvedAt)} UTC` : ', open'}`;
    parts.push(`<g data-incident="${escape(i.id)}"><title>${escape(text)}</title><line x1="${num(x1)}" y1="${pad.t - 10}" x2="${num(x1)}" y2="${h - pad.b}" class="incident-mark"/><rect x="${num(x1)}" y="${pad.t - 10}" width="${num(Math.max(2, x(i.resolvedAt ?? t.to) - x1))}" height="6" class="incident-span"/></g>`);
  }
  let d = '';
  let prevDown = true;
  for (const r of t.results) {
    if (r.unknown) continue;
    if (r.down) {
      prevDown = true;
      continue;
    }
    d += `${prevDown ? 'M' : 'L'}${num(x(r.at))} ${num(y(r.latencyMs))} `;
    prevDown = false;
  }
  if (d) parts.push(`<path d="${d.trim()}" class="chart-line q-p50"/>`);
  const ticks = [0, max / 2, max].map((v) => `<text x="${pad.l - 4}" y="${num(y(v) + 4)}" class="chart-axis" text-anchor="end">${Math.round(v)}</text>`);
  const xTicks = [t.from, t.to].map((at, i) => `<text x="${num(x(at))}" y="${h - 6}" class="chart-axis" text-anchor="${i === 0 ? 'start' : 'end'}">${new Date(at).toISOString().slice(5, 16).replace('T', ' ')}</text>`);
  const down = t.outages.reduce((a, o) => a + ((o.to ?? t.to) - o.from), 0);
  // A threshold check's bands include its critical spells (up, over its critical level): not outages.
  const spell = t.critical ? 'down or critical spell' : 'outage';
  const name = `${title}: ${t.results.length} runs, ${t.outages.length} ${spell}${t.outages.length === 1 ? '' : 's'} totalling ${duration(down)}, ${incidentsNamed(t)}; the tables below have the details`;
  if (t.results.length === 0) return html`<p class="muted">No runs in this window yet.</p>`;
  return html`<figure class="chart">
<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${name}">
<line x1="${pad.l}" y1="${h - pad.b}" x2="${w - pad.r}" y2="${h - pad.b}" class="chart-base"/>
${trusted(ticks.join('') + xTicks.join('') + parts.join(''))}
</svg>
<figcaption>${title} — <span class="legend q-p50">latency (ms) of runs that were up</span> <span class="legend legend-outage">${t.critical ? 'down or critical' : 'outage'}</span> <span class="legend legend-incident">incident</span></figcaption>
</figure>`;
}

