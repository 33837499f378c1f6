import type { BudgetPoint } from '../status.js';
import { day, escapeXml, pct } from './format.js';

/**
 * An error-budget burn-down as a small self-contained SVG: remaining budget (100 % at the start
 * of the period) over time, a zero line, the area under the curve green while budget is left and
 * red once it is overspent.
 */
export function budgetChartSvg(points: readonly BudgetPoint[], title: string, width = 480, height = 160): string {
  const pad = { left: 44, right: 10, top: 20, bottom: 22 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const t0 = points[0]?.at ?? 0;
  const t1 = points.at(-1)?.at ?? t0 + 1;
  const lowest = Math.min(0, ...points.map((p) => p.remaining));
  const yMin = lowest < 0 ? Math.max(-10, lowest) : 0;
  const x = (at: number) => pad.left + ((at - t0) / Math.max(1, t1 - t0)) * w;
  const y = (r: number) => pad.top + ((1 - Math.max(yMin, Math.min(1, r))) / (1 - yMin)) * h;
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.remaining).toFixed(1)}`).join(' ');
  const area = points.length > 0 ? `${line} L${x(t1).toFixed(1)},${y(0).toFixed(1)} L${x(t0).toFixed(1)},${y(0).toFixed(1)} Z` : '';
  const left = points.at(-1)?.remaining ?? 1;
  const colour = left >= 0 ? '#2e7d32' : '#c62828';
  const label = `${title}: ${pct(left, 1)} of the error budget left`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(label)}">`,
    `<title>${escapeXml(label)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${pad.left}" y="14" font-family="sans-serif" font-size="12" fill="#222">${escapeXml(label)}</text>`,
    `<line x1="${pad.left}" y1="${y(1)}" x2="${pad.left + w}" y2="${y(1)}" stroke="#ddd"/>`,
    `<line x1="${pad.left}" y1="${y(0)}" x2="${pad.left + w}" y2="${y(0)}" stroke="#999" stroke-dasharray="3,3"/>`,
    `<text x="${pad.left - 4}" y="${y(1) + 4}" text-anchor="end" font-family="sans-serif" font-size="10" fill="#555">100%</text>`,
    `<text x="${pad.left - 4}" y="${y(0) + 4}" text-anchor="end" font-family="sans-serif" font-size="10" fill="#555">0%</text>`,
    yMin < 0 ? `<text x="${pad.left - 4}" y="${y(yMin)}" text-anchor="end" font-family="sans-serif" font-size="10" fill="#555">${escapeXml(pct(yMin, 0))}</text>` : '',
    area ? `<path d="${area}" fill="${colour}" fill-opacity="0.15"/>` : '',
    line ? `<path d="${line}" fill="none" stroke="${colour}" stroke-width="2"/>` : '',
    `<text x="${pad.left}" y="${height - 6}" font-family="sans-serif" font-size="10" fill="#555">${escapeXml(day(t0))}</text>`,
    `<text x="${pad.left + w}" y="${height - 6}" text-anchor="end" font-family="sans-serif" font-size="10" fill="#555">${escapeXml(day(t1))}</text>`,
    '</svg>',
  ]
    .filter(Boolean)
    .join('');
}

export interface BarSeries {
  name: string;
  colour: string;
}

/**
 * Grouped horizontal bars, one group per row (a service, a person), one bar per series, each with
 * its figure written beside it, so the chart reads without colour too.
 */
export function barChartSvg(title: string, series: readonly BarSeries[], rows: ReadonlyArray<{ label: string; values: ReadonlyArray<number | null> }>, format: (v: number) => string, width = 480): string {
  const labelW = 140;
  const bar = 12;
  const group = series.length * (bar + 2) + 8;
  const top = 36;
  const height = top + rows.length * group + 8;
  const max = Math.max(1, ...rows.flatMap((r) => r.values.map((v) => v ?? 0)));
  const w = width - labelW - 70;
  const legend = series.map((s, i) => `<rect x="${labelW + i * 110}" y="20" width="10" height="10" fill="${s.colour}"/><text x="${labelW + i * 110 + 14}" y="29" font-family="sans-serif" font-size="10" fill="#333">${escapeXml(s.name)}</text>`).join('');
  const bars = rows.map((r, ri) => {
    const y0 = top + ri * group;
    const label = `<text x="${labelW - 6}" y="${y0 + bar}" text-anchor="end" font-family="sans-serif" font-size="11" fill="#222">${escapeXml(r.label)}</text>`;
    const parts = r.values.map((v, si) => {
      const y = y0 + si * (bar + 2);
      const len = v === null ? 0 : Math.max(1, (v / max) * w);
      return `<rect x="${labelW}" y="${y}" width="${len.toFixed(1)}" height="${bar}" fill="${series[si]!.colour}"/><text x="${labelW + len + 4}" y="${y + bar - 2}" font-family="sans-serif" font-size="10" fill="#333">${escapeXml(v === null ? '–' : format(v))}</text>`;
    });
    return label + parts.join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="4" y="14" font-family="sans-serif" font-size="12" fill="#222">${escapeXml(title)}</text>`,
    legend,
    ...bars,
    '</svg>',
  ].join('');
}
