import { Temporal } from 'temporal-polyfill';
import { parseDuration } from '../../lib/duration.js';
import { SystemClock } from '../../lib/clock.js';
import { OpsbookError } from '../../lib/errors/index.js';
// The on-call modules this command reads, not oncall/index.js: that loads the escalation driver and
// the calendar feeds (ical-generator) too.
import { canonicalTimeZone, formatInZone, parseInstant } from '../../oncall/zoned-time.js';
import { describeSchedule, type OnCallSlot } from '../../oncall/report.js';
import { schedulesWithOverrides } from '../../oncall/override-book.js';
import type { Schedule } from '../../oncall/index.js';
import type { CliIO } from '../context.js';
import { callApi, remoteFrom } from '../remote.js';
import { openLocal, resolveConfigPath } from '../local.js';

/** What `opsbook oncall now` does; loaded only when that command runs. */
export interface NowOptions {
  at?: string;
  tz?: string;
  config?: string;
  schedule?: string[];
  json?: boolean;
  server?: string;
  token?: string;
}

export async function oncallNow(io: CliIO, opts: NowOptions): Promise<void> {
  const now = new SystemClock().now();
  const at = resolveAt(opts, now);
  const remote = remoteFrom(opts, io.env);
  if (remote) {
    const answer = await callApi<{ schedules: Array<ReturnType<typeof describeSchedule>> }>(remote, 'GET', `/api/oncall/now?at=${at}`);
    const unknown = (opts.schedule ?? []).filter((id) => !answer.schedules.some((s) => s.id === id));
    if (unknown.length > 0) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', `no schedule ${unknown.join(', ')} on ${remote.url}`, { location: { path: '--schedule' } });
    printReport(io, at, answer.schedules.filter((s) => !opts.schedule || opts.schedule.includes(s.id)), !!opts.json, remote.url);
    return;
  }
  const path = resolveConfigPath(opts.config, io.env);
  // The config's schedules with the overrides and swaps people made, from the config's store.
  const ctx = await openLocal(opts.config, io.env);
  let schedules: Schedule[];
  try {
    schedules = await schedulesWithOverrides(ctx.store.db, ctx.config.schedules);
  } finally {
    await ctx.close();
  }
  if (opts.schedule) {
    const unknown = opts.schedule.filter((id) => !schedules.some((s) => s.id === id));
    if (unknown.length > 0) {
      throw new OpsbookError('OPSBOOK_E_NOT_FOUND', `no schedule ${unknown.join(', ')} in ${path} (have: ${schedules.map((s) => s.id).join(', ') || 'none'})`, { location: { path: '--schedule' } });
    }
    schedules = schedules.filter((s) => opts.schedule!.includes(s.id));
  }
  printReport(io, at, schedules.map((s) => describeSchedule(s, at)), !!opts.json, path);
}

function printReport(io: CliIO, at: number, report: Array<ReturnType<typeof describeSchedule>>, json: boolean, source: string): void {
  if (json) {
    io.out(JSON.stringify({ at: new Date(at).toISOString(), schedules: report }, null, 2));
  } else if (report.length === 0) {
    io.out(`no schedules in ${source}`);
  } else {
    report.forEach((r, i) => {
      if (i > 0) io.out('');
      io.out(`${r.id}${r.name ? ` (${r.name})` : ''} — ${formatInZone(at, r.time_zone)} ${r.time_zone}`);
      io.out(`  on call: ${line(r.on_call, r.time_zone)}`);
      for (const l of r.layers) io.out(`  ${l.name}: ${line(l, r.time_zone)}`);
    });
  }
  process.exitCode = 0;
}

function resolveAt(opts: NowOptions, now: number): number {
  if (opts.at === undefined) return now;
  const text = opts.at.trim();
  const relative = /^([+-])(.+)$/.exec(text);
  if (relative) {
    const ms = parseDuration(relative[2]!);
    if (ms !== undefined) return relative[1] === '-' ? now - ms : now + ms;
  }
  const tz = opts.tz === undefined ? Temporal.Now.timeZoneId() : canonicalTimeZone(opts.tz);
  if (!tz) throw new OpsbookError('OPSBOOK_E_USAGE', `--tz must be an IANA time zone such as Europe/Berlin (got "${opts.tz}")`, { location: { path: '--tz' } });
  const at = parseInstant(text, tz);
  if (at === undefined) {
    throw new OpsbookError('OPSBOOK_E_USAGE', `--at must be a date-time such as 2026-03-08T09:00, 2026-03-08T09:00Z or +8h (got "${opts.at}")`, { location: { path: '--at' } });
  }
  return at;
}

function line(s: OnCallSlot & { layer_name?: string }, timeZone: string): string {
  const until = s.until ? formatInZone(Date.parse(s.until), timeZone) : 'later';
  if (s.user === null) return s.until ? `nobody until ${until}` : 'nobody';
  const why = s.override !== undefined ? ', override' : s.layer_name ? `, ${s.layer_name}` : '';
  return `${s.user} (until ${until}${why})`;
}
