import { withActingOptions, type RegisterCommands } from '../context.js';
import type { NowOptions } from './oncall-now.js';
import type { ChangeCommon } from './oncall-changes.js';
import { timeZone } from '../flags.js';



const TIME = 'with an offset (2026-03-10T09:00+01:00) or local to the schedule (2026-03-10T09:00)';

/** `opsbook oncall now`: who is on call in each schedule (and each layer) at an instant. */
export const registerOncall: RegisterCommands = (program, io) => {
  const oncall = program.command('oncall').description('On-call schedules: who is on call and until when, overrides, swaps and calendar feeds.');
  oncall
    .command('now')
    .description('Who is on call in each schedule and layer, now or at --at.')
    .option('--at <time>', 'instant: 2026-03-08T09:00 (read in --tz), with an offset (…+01:00, …Z), or relative (+8h, -30m)')
    .option('--tz <zone>', 'IANA time zone for --at without an offset (default: this machine’s)', timeZone)
    .option('--config <path>', 'ops.yaml or a directory of YAML files (default: $OPSBOOK_CONFIG, ./ops.yaml, ./ops/)')
    .option('--schedule <id...>', 'only these schedules')
    .option('--json', 'print the result as JSON')
    .option('--server <url>', 'a running opsbook to ask (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (opts: NowOptions) => {
      const { oncallNow } = await import('./oncall-now.js');
      await oncallNow(io, opts);
    });

  const override = oncall.command('override').description('Someone covers a range of a schedule (audited). A responder covers or hands over their own shifts; an admin anyone’s.');
  withActingOptions(override.command('add'))
    .description('Create an override: --user covers --covers over --start … --end.')
    .requiredOption('--schedule <id>', 'schedule id')
    .requiredOption('--user <name>', 'who covers')
    .option('--covers <name>', 'whose shift is covered (on the schedule and on call then)')
    .requiredOption('--start <time>', TIME)
    .requiredOption('--end <time>', TIME)
    .requiredOption('--reason <text>', 'why (goes to the audit log and the calendar)')
    .action(async (opts) => (await import('./oncall-changes.js')).overrideAdd(io, opts));
  withActingOptions(override.command('list'))
    .description('Overrides and swaps made through the API, CLI or UI (current and upcoming).')
    .option('--schedule <id>', 'only this schedule')
    .option('--past', 'include ended ones')
    .action(async (opts) => (await import('./oncall-changes.js')).overrideList(io, opts));
  withActingOptions(override.command('delete'))
    .description('Delete an override (both halves of a swap).')
    .argument('<id>', 'override id')
    .action(async (id: string, opts: ChangeCommon) => (await import('./oncall-changes.js')).overrideDelete(io, id, opts));
  withActingOptions(oncall.command('swap'))
    .description('Swap shifts: --user takes --with’s shift over --start … --end, --with takes --user’s over --return-start … --return-end.')
    .requiredOption('--schedule <id>', 'schedule id')
    .requiredOption('--user <name>', 'one of the two')
    .requiredOption('--with <name>', 'the other')
    .requiredOption('--start <time>', TIME)
    .requiredOption('--end <time>', TIME)
    .requiredOption('--return-start <time>', TIME)
    .requiredOption('--return-end <time>', TIME)
    .requiredOption('--reason <text>', 'why')
    .action(async (opts) => (await import('./oncall-changes.js')).swapAdd(io, opts));
  const feeds = oncall.command('feeds').description('Secret iCalendar feed URLs: one per schedule and one per person.');
  withActingOptions(feeds.command('list'))
    .description('Your feed URLs (issued on first ask); an admin also sees everyone’s feed ids.')
    .action(async (opts: ChangeCommon) => (await import('./oncall-changes.js')).feedsList(io, opts));
  withActingOptions(feeds.command('revoke'))
    .description('Revoke one feed URL (yours, or any as an admin); --all revokes every URL at once (admin).')
    .argument('[id]', 'feed id from `feeds list`')
    .option('--all', 'revoke every feed URL')
    .action(async (id: string | undefined, opts: ChangeCommon & { all?: boolean }) => (await import('./oncall-changes.js')).feedsRevoke(io, id, opts));
};
