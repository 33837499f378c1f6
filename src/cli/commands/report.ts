import fs from 'node:fs';
import { OpsbookError } from '../../lib/errors/index.js';
import type { RegisterCommands } from '../context.js';
import { openLocal } from '../local.js';
import { callApi, remoteFrom } from '../remote.js';
import type { OperationsReport } from '../../slos/index.js';

const PERIODS = ['7d', '30d', 'month'] as const;
const FORMATS = ['md', 'html', 'json'] as const;

/** `opsbook report --period 7d|30d|month [--format md|html|json] [--at TIME] [--output FILE]`. */
export const registerReport: RegisterCommands = (program, io) => {
  program
    .command('report')
    .description('Operations report: SLO attainment and budgets, incidents and response times, noisy rules, failing checks, pages, maintenance, RPO/RTO.')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files (default: $OPSBOOK_CONFIG, ./ops.yaml, ./ops/)')
    .option('--period <period>', 'the last 7d, the last 30d, or this calendar month (UTC) so far', '7d')
    .option('--format <format>', 'md, html (self-contained, with SVG charts) or json', 'md')
    .option('--at <time>', 'end the period at this instant (ISO 8601) instead of now')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--server <url>', 'a running opsbook to ask (default: OPSBOOK_SERVER; else the local store)')
    .option('--token <token>', 'API token for --server (default: OPSBOOK_TOKEN)')
    .action(async (opts: { config?: string; period: string; format: string; at?: string; output?: string; server?: string; token?: string }) => {
      if (!(PERIODS as readonly string[]).includes(opts.period)) throw new OpsbookError('OPSBOOK_E_USAGE', `--period must be one of ${PERIODS.join(', ')} (got "${opts.period}")`, { location: { path: '--period' } });
      if (!(FORMATS as readonly string[]).includes(opts.format)) throw new OpsbookError('OPSBOOK_E_USAGE', `--format must be one of ${FORMATS.join(', ')} (got "${opts.format}")`, { location: { path: '--format' } });
      const at = opts.at === undefined ? undefined : Date.parse(opts.at);
      if (at !== undefined && Number.isNaN(at)) throw new OpsbookError('OPSBOOK_E_USAGE', `--at must be an ISO 8601 instant such as 2026-04-30T23:59Z (got "${opts.at}")`, { location: { path: '--at' } });
      const { buildReport, renderReportHtml, renderReportMarkdown } = await import('../../slos/index.js');
      const remote = remoteFrom(opts, io.env);
      let report: OperationsReport;
      if (remote) {
        // The daemon builds the report as JSON; markdown and HTML are drawn from it here.
        const query = new URLSearchParams({ period: opts.period, ...(at !== undefined ? { at: new Date(at).toISOString() } : {}) });
        report = await callApi<OperationsReport>(remote, 'GET', `/api/report?${query}`);
      } else {
        const local = await openLocal(opts.config, io.env);
        try {
          report = await buildReport(local.store, local.config, opts.period as (typeof PERIODS)[number], at ?? local.clock.now());
        } finally {
          await local.close();
        }
      }
      const text = opts.format === 'json' ? JSON.stringify(report, null, 2) : opts.format === 'html' ? renderReportHtml(report) : renderReportMarkdown(report);
      if (opts.output) fs.writeFileSync(opts.output, text.endsWith('\n') ? text : `${text}\n`);
      else io.out(text);
      process.exitCode = 0;
    });
};
