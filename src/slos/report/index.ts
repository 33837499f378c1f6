/** The operations report: data (`buildReport`), Markdown, self-contained HTML, SVG budget charts. */
export { buildReport, type OperationsReport, type ReportSlo, type SeverityFigures } from './build.js';
export { renderReportMarkdown } from './markdown.js';
export { renderReportHtml, renderReportSections } from './html.js';
export { reportHeading } from './tables.js';
export { budgetChartSvg } from './svg.js';
