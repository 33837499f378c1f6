import type { RegisterCommands } from '../context.js';
import type { NowOptions } from './oncall-now.js';

/** `opsbook oncall now`: who is on call in each schedule (and each layer) at an instant. */
export const registerOncall: RegisterCommands = (program, io) => {
  const oncall = program.command('oncall').description('On-call schedules: who is on call, and until when.');
  oncall
    .command('now')
    .description('Who is on call in each schedule and layer, now or at --at.')
    .option('--at <time>', 'instant: 2026-03-08T09:00 (read in --tz), with an offset (…+01:00, …Z), or relative (+8h, -30m)')
    .option('--tz <zone>', 'IANA time zone for --at without an offset (default: this machine’s)')
    .option('--config <path>', 'ops.yaml or a directory of YAML files (default: $OPSBOOK_CONFIG, ./ops.yaml, ./ops/)')
    .option('--schedule <id...>', 'only these schedules')
    .option('--json', 'print the result as JSON')
    .option('--server <url>', 'a running opsbook to ask (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (opts: NowOptions) => {
      const { oncallNow } = await import('./oncall-now.js');
      await oncallNow(io, opts);
    });
};
