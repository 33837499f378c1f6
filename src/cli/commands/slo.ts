import { formatDuration } from '../../lib/duration.js';
import type { RegisterCommands } from '../context.js';
import { openLocal } from '../local.js';

const pct = (v: number | undefined) => (v === undefined ? '–' : `${(v * 100).toFixed(3).replace(/\.?0+$/, '')}%`);

/** `opsbook slo status [--json]`: every SLO over its own window, its budget and burn rates now. */
export const registerSlo: RegisterCommands = (program, io) => {
  const slo = program.command('slo').description('Service level objectives: attainment, error budget, burn rates, recovery points.');
  slo
    .command('status')
    .description('Each SLO over its window: attainment, error budget left, burn rate per alert window; each recovery point now.')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files (default: $OPSBOOK_CONFIG, ./ops.yaml, ./ops/)')
    .option('--json', 'print as JSON')
    .action(async (opts: { config?: string; json?: boolean }) => {
      const { slosFromConfig, sloStatus, recoveryPointStatus } = await import('../../slos/index.js');
      const local = await openLocal(opts.config, io.env);
      try {
        const now = local.clock.now();
        const { slos, recoveryPoints } = slosFromConfig(local.config);
        const statuses = [];
        for (const s of slos) statuses.push(await sloStatus(local.store, s, now));
        const points = [];
        for (const r of recoveryPoints) points.push(await recoveryPointStatus(local.store, r, now, now));
        if (opts.json) {
          io.out(JSON.stringify({ slos: statuses, recoveryPoints: points.map(({ history: _h, ...p }) => p) }, null, 2));
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
      } finally {
        await local.close();
      }
      process.exitCode = 0;
    });
};
