import type { OperationsReport } from './build.js';
import { reportHeading, reportTables } from './tables.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The report as Markdown (tables; charts only in HTML). */
export function renderReportMarkdown(r: OperationsReport): string {
  const out = [`# ${reportHeading(r)}`, ''];
  for (const t of reportTables(r)) {
    out.push(`## ${t.title}`, '');
    if (t.note) out.push(t.note, '');
    if (t.rows.length === 0) {
      out.push(t.empty, '');
      continue;
    }
    out.push(`| ${t.headers.map(cell).join(' | ')} |`, `|${t.headers.map(() => '---').join('|')}|`);
    for (const row of t.rows) out.push(`| ${row.map(cell).join(' | ')} |`);
    out.push('');
  }
  return out.join('\n');
}
