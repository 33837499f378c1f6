import { describeSuppression } from '../../incidents/suppression.js';
import type { Suppression } from '../../incidents/types.js';
import type { Effect } from '../../runbooks/index.js';
import { html, trusted, type Html } from './html.js';

/** What a check, service or component is doing, in words a colour only repeats. */
export type State = 'up' | 'down' | 'warning' | 'critical' | 'unknown' | 'maintenance';

const STATE_LABEL: Record<State, string> = {
  up: 'Up',
  down: 'Down',
  warning: 'Warning',
  critical: 'Critical',
  unknown: 'No data',
  maintenance: 'Maintenance',
};

export function stateBadge(state: State): Html {
  return html`<span class="state state-${state}" data-state="${state}">${STATE_LABEL[state]}</span>`;
}

const EFFECT_LABEL: Record<Effect, string> = { read: 'read', write: 'write', destructive: 'DESTRUCTIVE', unknown: 'unknown effect' };

export function effectBadge(effect: Effect): Html {
  return html`<span class="effect effect-${effect}">${EFFECT_LABEL[effect]}</span>`;
}

export function severityBadge(severity: string): Html {
  return html`<span class="sev sev-${severity.toLowerCase().replace(/[^a-z0-9]/g, '')}">${severity}</span>`;
}

/**
 * A table in a box of its own that scrolls sideways when the table is wider than the screen (a phone),
 * instead of widening the whole page; focusable and named, so a keyboard can scroll it and a screen
 * reader says what it holds.
 */
export function scrollingTable(label: string, table: Html): Html {
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="${label}">${table}</div>`;
}

/** An instant as a <time> element, shown in UTC so every responder reads the same clock. */
export function when(ms: number | null | undefined): Html {
  if (ms === null || ms === undefined) return html`<span class="muted">—</span>`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

/** A list's mark on an incident whose pages a window or silence holds: what holds them, until when (its page says more). */
export function heldMark(held: Suppression | undefined): Html | '' {
  if (!held) return '';
  return html`<span class="held-mark">pages held by ${describeSuppression(held)} until ${when(held.until)}</span>`;
}

/** An instant to the second, for timelines: several lines of one minute keep their order readable. */
export function whenSecond(ms: number): Html {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')} UTC</time>`;
}

/**
 * A short span for people: seconds under a minute, minutes and seconds under an hour (a response
 * target is minutes; "15m" beside a missed 15m target would contradict it), hours and minutes under a
 * day, then days and hours. Rounded once to the smallest unit shown, so 59m 59.6s reads "1h 0m", never
 * "60m". static/incident.js ticks the page's clocks with the same rules (`span`).
 */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s / 60}m`;
  const m = Math.round(s / 60);
  if (m < 1440) return `${Math.floor(m / 60)}h ${m % 60}m`;
  const h = Math.round(m / 60);
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function percent(share: number | undefined, digits = 2): string {
  return share === undefined ? 'no data' : `${(share * 100).toFixed(digits)}%`;
}

function num(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/**
 * A latency sparkline: oldest to newest, left to right; failed runs are marked red on the baseline.
 * The numbers are in the accessible name, so the picture is not the only way to read them.
 */
export function sparkline(points: Array<{ latencyMs: number; down: boolean }>, label: string): Html {
  const w = 120;
  const h = 28;
  if (points.length === 0) return html`<span class="muted">no runs yet</span>`;
  const max = Math.max(1, ...points.map((p) => p.latencyMs));
  const step = points.length > 1 ? w / (points.length - 1) : 0;
  const xy = points.map((p, i) => [i * step, h - 2 - (p.latencyMs / max) * (h - 4)] as const);
  const path = xy.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${num(x)} ${num(y)}`).join(' ');
  const fails = points.flatMap((p, i) => (p.down ? [`<rect x="${num(Math.max(0, xy[i]![0] - 1.5))}" y="${h - 4}" width="3" height="4" class="spark-fail"/>`] : []));
  const last = points[points.length - 1]!;
  const name = `${label}: last ${points.length} runs, latest ${Math.round(last.latencyMs)} ms, slowest ${Math.round(max)} ms${points.some((p) => p.down) ? `, ${points.filter((p) => p.down).length} failed` : ''}`;
  return html`<svg class="spark" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${name}"><path d="${path}" class="spark-line"/>${trusted(fails.join(''))}</svg>`;
}

export interface Series {
  name: string;
  /** CSS class giving the colour (and a dash pattern, so colour is not the only difference). */
  className: string;
  points: Array<{ at: number; value: number | undefined }>;
}

/** A line chart of a few series over time, with a y axis in ms and a table fallback beside it. */
export function lineChart(series: Series[], title: string, unit = 'ms'): Html {
  const w = 600;
  const h = 180;
  const pad = { l: 48, r: 8, t: 8, b: 22 };
  const all = series.flatMap((s) => s.points);
  const values = all.map((p) => p.value).filter((v): v is number => v !== undefined);
  if (values.length === 0) return html`<p class="muted">No data in this window yet.</p>`;
  const from = Math.min(...all.map((p) => p.at));
  const to = Math.max(...all.map((p) => p.at), from + 1);
  const max = Math.max(1, ...values) * 1.1;
  const x = (at: number) => pad.l + ((at - from) / (to - from)) * (w - pad.l - pad.r);
  const y = (v: number) => h - pad.b - (v / max) * (h - pad.t - pad.b);
  const lines = series.map((s) => {
    let d = '';
    const dots: string[] = [];
    s.points.forEach((p, i) => {
      if (p.value === undefined) return;
      const joined = s.points[i - 1]?.value !== undefined;
      d += `${joined ? 'L' : 'M'}${num(x(p.at))} ${num(y(p.value))} `;
      // A point with no neighbour draws no line: mark it, so one hour of data is not an empty chart.
      if (!joined && s.points[i + 1]?.value === undefined) dots.push(`<circle cx="${num(x(p.at))}" cy="${num(y(p.value))}" r="3" class="chart-dot ${s.className}"/>`);
    });
    return `<path d="${d.trim()}" class="chart-line ${s.className}"/>${dots.join('')}`;
  });
  const ticks = [0, max / 2, max].map((v) => `<text x="${pad.l - 4}" y="${num(y(v) + 4)}" class="chart-axis" text-anchor="end">${Math.round(v)}</text>`);
  const xTicks = [from, to].map((at, i) => `<text x="${num(x(at))}" y="${h - 6}" class="chart-axis" text-anchor="${i === 0 ? 'start' : 'end'}">${new Date(at).toISOString().slice(5, 16).replace('T', ' ')}</text>`);
  return html`<figure class="chart">
<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${title} (${unit}); the table below has the figures">
<line x1="${pad.l}" y1="${h - pad.b}" x2="${w - pad.r}" y2="${h - pad.b}" class="chart-base"/>
${trusted(ticks.join('') + xTicks.join('') + lines.join(''))}
</svg>
<figcaption>${title} (${unit}) — ${series.map((s) => html`<span class="legend ${s.className}">${s.name}</span> `)}</figcaption>
</figure>`;
}

export interface DayUptime {
  day: number;
  uptime: number | undefined;
}

/** One bar per day, coloured by that day's uptime, each with its figure as a tooltip and accessible name. */
export function uptimeBars(days: DayUptime[], label: string): Html {
  const w = 4;
  const gap = 1;
  const h = 28;
  const rects = days.map((d, i) => {
    const cls = d.uptime === undefined ? 'bar-none' : d.uptime >= 0.999 ? 'bar-ok' : d.uptime >= 0.99 ? 'bar-minor' : 'bar-major';
    const text = `${new Date(d.day).toISOString().slice(0, 10)}: ${percent(d.uptime)}`;
    return html`<rect x="${i * (w + gap)}" y="0" width="${w}" height="${h}" class="${cls}"><title>${text}</title></rect>`;
  });
  const known = days.filter((d) => d.uptime !== undefined);
  const overall = known.length ? known.reduce((a, d) => a + d.uptime!, 0) / known.length : undefined;
  return html`<svg class="bars" viewBox="0 0 ${days.length * (w + gap)} ${h}" preserveAspectRatio="none" role="img" aria-label="${label}: ${days.length}-day uptime ${percent(overall)}">${rects}</svg>`;
}
