import type { OperationsReport } from './build.js';
import { escapeXml } from './format.js';
import { dur } from './format.js';
import { barChartSvg, budgetChartSvg } from './svg.js';
import { reportHeading, reportTables, type ReportTable } from './tables.js';

const STYLE = `
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}
th{background:#f5f5f5}tr.missed td{background:#fdecea}.charts{display:flex;flex-wrap:wrap;gap:12px}.empty{color:#666}
.table-scroll{overflow-x:auto}`;

function table(t: ReportTable): string {
  if (t.rows.length === 0) return `<p class="empty">${escapeXml(t.empty)}</p>`;
  const head = `<tr>${t.headers.map((h) => `<th scope="col">${escapeXml(h)}</th>`).join('')}</tr>`;
  const body = t.rows.map((row, i) => `<tr${t.missed?.[i] ? ' class="missed"' : ''}>${row.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('');
  // In a box that scrolls sideways on a narrow screen (a phone), not the page; focusable so a keyboard can scroll it.
  return `<div class="table-scroll" tabindex="0" role="region" aria-label="${escapeXml(t.title)}"><table><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

/** The bar chart of a section that has one (MTTA/MTTR per service, pages per person), when it has rows. */
function chartOf(r: OperationsReport, t: ReportTable): string {
  if (t.chart === 'services' && r.incidents.byService.length > 0) {
    return `<div class="charts">${barChartSvg('Mean time to acknowledge and to resolve, per service', [{ name: 'MTTA', colour: '#1f4fbf' }, { name: 'MTTR', colour: '#8a4b00' }], r.incidents.byService.map((s) => ({ label: s.service, values: [s.mttaMs, s.mttrMs] })), (v) => dur(v))}</div>`;
  }
  if (t.chart === 'pages' && r.pagesPerPerson.length > 0) {
    return `<div class="charts">${barChartSvg('Pages per person, in and out of business hours', [{ name: 'business hours', colour: '#1f8a47' }, { name: 'off hours', colour: '#a4001d' }], r.pagesPerPerson.map((p) => ({ label: p.user, values: [p.pages - p.offHours, p.offHours] })), (v) => String(v))}</div>`;
  }
  return '';
}

/**
 * The report's sections (tables, budget charts as inline SVG) as markup to place under a heading:
 * every value escaped, no scripts, no styles of its own. The web UI puts it in its own page.
 */
export function renderReportSections(r: OperationsReport): string {
  return reportTables(r)
    .map((t, i) => {
      const charts = i === 0 && r.slos.length > 0 ? `<div class="charts">${r.slos.map((s) => budgetChartSvg(s.burndown, s.name)).join('')}</div>` : chartOf(r, t);
      return `<section><h2>${escapeXml(t.title)}</h2>${t.note ? `<p class="note">${escapeXml(t.note)}</p>` : ''}${charts}${table(t)}</section>`;
    })
    .join('');
}

/**
 * The report as one self-contained HTML page: inline CSS and SVG, no scripts, no external assets,
 * so it can be mailed or archived as it is.
 */
export function renderReportHtml(r: OperationsReport): string {
  const heading = escapeXml(reportHeading(r));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${heading}</title><style>${STYLE}</style></head><body><main><h1>${heading}</h1>${renderReportSections(r)}</main></body></html>`;
}
