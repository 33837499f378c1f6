import type { CheckConfig } from '../../config/schema/checks.js';
import { formatDuration } from '../../lib/duration.js';
import { isOpsbookError, OpsbookError } from '../../lib/errors/index.js';
import type { CheckResult } from '../../checks/index.js';
import type { RawResultRow } from '../../store/index.js';
import type { RegisterCommands } from '../context.js';
import { openLocal, readLocalConfig, openLocalStore } from '../local.js';
import { callApi, remoteFrom } from '../remote.js';

const CONFIG_HELP = 'ops.yaml or a directory of YAML files (default: $OPSBOOK_CONFIG, ./ops.yaml, ./ops/)';

/** A stored run as the local list shows it: "last run down (critical) at 2026-12-06 22:37:12Z: connection refused". */
function lastRunText(run: RawResultRow | undefined): string {
  if (!run) return 'never run';
  const at = `${new Date(run.at).toISOString().slice(0, 19).replace('T', ' ')}Z`;
  const status = run.unknown ? 'unknown' : `${run.down ? 'down' : 'up'}${run.level ? ` (${run.level === 2 ? 'critical' : 'warning'})` : ''}`;
  return `last run ${status} at ${at}${run.error ? `: ${run.error}` : ''}`;
}

/** One row of `check list`, the same whether the config or a daemon answers. */
interface CheckRow {
  id: string;
  kind: string;
  interval_ms: number;
  target: string;
  conditions: string[];
  warning: string[];
  critical: string[];
  /** A daemon's settled state through --server; locally the check's last stored run. */
  state: string;
}

function printCheckTable(out: (l: string) => void, rows: CheckRow[]): void {
  if (rows.length === 0) {
    out('no checks configured');
    return;
  }
  const table = [
    ['ID', 'KIND', 'EVERY', 'TARGET', 'THRESHOLDS', 'STATE'],
    ...rows.map((r) => [
      r.id,
      r.kind,
      formatDuration(r.interval_ms),
      r.target || '-',
      [...r.warning.map((t) => `warning ${t}`), ...r.critical.map((t) => `critical ${t}`)].join('; ') || '-',
      r.state,
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

function printResult(out: (l: string) => void, r: CheckResult): void {
  const mark = r.status === 'up' ? '✔' : '✖';
  out(`${mark} ${r.checkId} (${r.kind}): ${r.status}, level ${r.level}, ${r.latencyMs} ms${r.value !== undefined ? `, value ${r.value}` : ''}`);
  if (r.error) out(`  error: ${r.error}`);
  if (r.pending) out(`  pending: ${r.pending}`);
  for (const c of r.conditions) {
    const tag = c.list === 'conditions' ? '' : `${c.list}: `;
    const ok = c.list === 'conditions' ? (c.ok ? '✔' : '✖') : c.ok ? '▲' : '·';
    out(`  ${ok} ${tag}${c.text}   (actual: ${c.actual})`);
  }
}

/** `opsbook check list` and `opsbook check run ID`. */
export const registerCheck: RegisterCommands = (program, io) => {
  const check = program.command('check').description('Checks: list them, or run one once and see every condition.');

  check
    .command('list')
    .description('Every configured check: kind, target, interval, conditions, heartbeat URLs, and its state: the last stored run here, the settled state with --server.')
    .option('-c, --config <path>', CONFIG_HELP)
    .option('--json', 'print as JSON')
    .option('--server <url>', 'a running opsbook to ask (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (opts: { config?: string; json?: boolean; server?: string; token?: string }) => {
      const remote = remoteFrom(opts, io.env);
      if (remote) {
        // The daemon's view: the same columns, with each check's settled state now.
        type Summary = Omit<CheckRow, 'state'> & { status: string; level: string; last?: { at: number; latency_ms?: number; error?: string } };
        const { checks } = await callApi<{ checks: Summary[] }>(remote, 'GET', '/api/checks');
        if (opts.json) io.out(JSON.stringify(checks, null, 2));
        else printCheckTable(io.out, checks.map((c) => ({ ...c, state: `${c.status}${c.level !== 'ok' ? ` (${c.level})` : ''}${c.last?.error ? `: ${c.last.error}` : ''}` })));
        process.exitCode = 0;
        return;
      }
      const { config, baseDir } = await readLocalConfig(opts.config, io.env);
      // The modules list reads, not checks/index.js: that loads every check kind's probe code and the runner.
      const [{ checkThresholds, describeCheckTarget }, { registerHeartbeat }] = await Promise.all([import('../../checks/describe.js'), import('../../checks/history/heartbeats.js')]);
      const heartbeatUrls = new Map<string, string>();
      // The store the daemon writes: each check's newest run, and the heartbeats' URLs. A store that
      // cannot be opened or read leaves the list as configured, with a note why (the checks are
      // what the command is asked for; the store only adds their last runs).
      let lastRuns: Map<string, RawResultRow[]> | undefined;
      try {
        const local = await openLocalStore(config, baseDir);
        try {
          const { recentResultsOf } = await import('../../store/index.js');
          lastRuns = await recentResultsOf(local.db, config.checks.map((c) => c.id), 1);
          for (const c of config.checks.filter((c) => c.kind === 'heartbeat')) {
            heartbeatUrls.set(c.id, `/api/heartbeats/${await registerHeartbeat(local, c.id, Date.now())}`);
          }
        } finally {
          await local.close();
        }
      } catch (e) {
        if (!isOpsbookError(e)) throw e;
        lastRuns = undefined;
        heartbeatUrls.clear();
        io.err(`note: the last runs and heartbeat URLs could not be read: ${e.describe()} [${e.code}]`);
      }
      const rows = config.checks.map((c) => ({
        id: c.id,
        kind: c.kind,
        interval_ms: c.interval,
        target: heartbeatUrls.get(c.id) ?? describeCheckTarget(c as CheckConfig),
        service: c.service ?? null,
        ...checkThresholds(c as CheckConfig),
        state: lastRuns ? lastRunText(lastRuns.get(c.id)?.[0]) : 'not read',
      }));
      if (opts.json) io.out(JSON.stringify(rows, null, 2));
      else printCheckTable(io.out, rows);
      process.exitCode = 0;
    });

  check
    .command('run')
    .description('Run one check once; print the result and every condition with pass/fail and the actual value.')
    .argument('<id>', 'check id')
    .option('-c, --config <path>', CONFIG_HELP)
    .option('--json', 'print the result as JSON')
    .option('--server <url>', 'a running opsbook to run it from, with a responder token (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (id: string, opts: { config?: string; json?: boolean; server?: string; token?: string }) => {
      const remote = remoteFrom(opts, io.env);
      if (remote) {
        // Probed from where the daemon runs, which is what its alerts see.
        const result = await callApi<CheckResult>(remote, 'POST', `/api/checks/${encodeURIComponent(id)}/run`);
        if (opts.json) io.out(JSON.stringify(result, null, 2));
        else printResult(io.out, result);
        process.exitCode = result.status === 'up' ? 0 : 1;
        return;
      }
      const { config, path } = await readLocalConfig(opts.config, io.env);
      const found = config.checks.find((c) => c.id === id);
      if (!found) {
        throw new OpsbookError('OPSBOOK_E_CHECK_UNKNOWN', `no check "${id}" in ${path} (have: ${config.checks.map((c) => c.id).join(', ') || 'none'})`, {
          location: { path: 'checks' },
        });
      }
      const { closeHttpAgents, compileCheck, heartbeatReader, registerHeartbeat, releaseCheckState, runCheckOnce } = await import('../../checks/index.js');
      const { SystemClock } = await import('../../lib/clock.js');
      const compiled = compileCheck(found as CheckConfig);
      const clock = new SystemClock();
      const local = found.kind === 'heartbeat' ? await openLocal(opts.config, io.env) : undefined;
      let result: CheckResult;
      const state: Record<string, unknown> = {};
      try {
        const heartbeats = local ? heartbeatReader(local.store) : undefined;
        if (local) await registerHeartbeat(local.store, id, clock.now());
        result = await runCheckOnce(compiled, { clock, state, ...(heartbeats ? { heartbeats } : {}) });
        // A counter rate needs two scrapes: take the second one second later.
        if (result.pending) {
          await new Promise((r) => setTimeout(r, 1000));
          result = await runCheckOnce(compiled, { clock, state, ...(heartbeats ? { heartbeats } : {}) });
        }
      } finally {
        releaseCheckState(compiled, state);
        await local?.close();
        closeHttpAgents();
      }
      if (opts.json) io.out(JSON.stringify(result, null, 2));
      else printResult(io.out, result);
      process.exitCode = result.status === 'up' ? 0 : 1;
    });
};
