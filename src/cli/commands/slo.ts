import { formatDuration } from '../../lib/duration.js';
import type { RegisterCommands } from '../context.js';
import { openLocal } from '../local.js';
import { callApi, remoteFrom } from '../remote.js';
import type { RecoveryPointNow, SloStatus } from '../../slos/index.js';


/** Where the SLOs stand now: from the local store, or from the daemon given by `--server`. */
async function readStatus(opts: { config?: string; server?: string; token?: string }, env: NodeJS.ProcessEnv): Promise<{ slos: SloStatus[]; recoveryPoints: RecoveryPointNow[] }> {
  const remote = remoteFrom(opts, env);
  if (remote) return callApi(remote, 'GET', '/api/slos');
  const { slosNow } = await import('../../slos/index.js');
  const local = await openLocal(opts.config, env);
  try {
    return await slosNow(local.store, local.config, local.clock.now());
  } finally {
    await local.close();
  }
}

const pct = (v: number | undefined) => (v === undefined ? '–' : `${(v * 100).toFixed(3).replace(/\.?0+$/, '')}%`);

/** `opsbook slo status [--json]`: every SLO over its own window, its budget and burn rates now. */
export const registerSlo: RegisterCommands = (program, io) => {
  const slo = program.command('slo').description('Service level objectives: attainment, error budget, burn rates, recovery points.');
  slo
    .command('status')
    .description('Each SLO over its window: attainment, error budget left, burn rate per alert window; each recovery point now.')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files (default: $OPSBOOK_CONFIG, ./ops.yaml, ./ops/)')
    .option('--json', 'print as JSON')
    .option('--server <url>', 'a running opsbook to ask (default: OPSBOOK_SERVER; else the local store)')
    .option('--token <token>', 'API token for --server (default: OPSBOOK_TOKEN)')
    .action(async (opts: { config?: string; json?: boolean; server?: string; token?: string }) => {
      const { slos: statuses, recoveryPoints: points } = await readStatus(opts, io.env);
      if (opts.json) {
        io.out(JSON.stringify({ slos: statuses, recoveryPoints: points }, null, 2));
      } else if (statuses.length + points.length === 0) {
        io.out('no SLOs configured (slos: in ops.yaml)');
      } else {
        for (const s of statuses) {
          const mark = s.met === undefined ? '·' : s.met ? '✔' : '✖';
          io.out(`${mark} ${s.id}  ${s.kind}  objective ${pct(s.objective)}  attained ${pct(s.attainment)} over ${formatDuration(s.to - s.from)}  budget left ${pct(s.budget.remaining)}`);
          for (const b of s.burn) {
            io.out(`    ${b.urgency.padEnd(6)} ${b.long.toFixed(2)}× over ${formatDuration(b.longMs)}, ${b.short.toFixed(2)}× over ${formatDuration(b.shortMs)} (alert at ${b.threshold}×)${b.holds ? '  FIRING' : ''}`);
          }
        }
        for (const p of points) {
          io.out(`${p.met ? '✔' : '✖'} ${p.id}  recovery point ${p.achievedMs === null ? 'no backup found' : formatDuration(Math.round(p.achievedMs / 1000) * 1000)} (target ${formatDuration(p.targetMs)}, check ${p.check})`);
        }
      }
      process.exitCode = 0;
    });
};
