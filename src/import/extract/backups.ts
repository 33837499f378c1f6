import type { FileContext } from '../context.js';
import { slug } from '../context.js';

const PERIOD_HOURS: [RegExp, number][] = [
  [/\bhourly\b|every hour/i, 1],
  [/\bdaily\b|every day|nightly/i, 24],
  [/\bweekly\b|every week/i, 24 * 7],
  [/\bmonthly\b|every month/i, 24 * 30],
];

/**
 * How old the newest backup may be: one period plus a twelfth of it for the job's own run time
 * (Daily → 26h, Hourly → 65m, Weekly → 182h). "Continuous" has no file to age, so no check.
 */
export function maxAgeFor(frequency: string): string | undefined {
  const hours = PERIOD_HOURS.find(([re]) => re.test(frequency))?.[1];
  if (hours === undefined) return undefined;
  const minutes = (hours * 60 * 13) / 12;
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

/** A heartbeat's period for a schedule word: a monthly job may be 31 days apart. */
const PERIOD_TEXT: [RegExp, string, string][] = [
  [/\bhourly\b|every hour/i, '1h', '5m'],
  [/\bdaily\b|every day|nightly/i, '1d', '2h'],
  [/\bweekly\b|every week/i, '1w', '14h'],
  [/\bmonthly\b|every month/i, '31d', '62h'],
];

/** A command that makes a backup file: a dump redirected or written to a file, a Redis RDB copy. */
const WRITERS: { tool: RegExp; words: string[] }[] = [
  { tool: /\b(pg_dump|pg_dumpall|pg_basebackup)\b/, words: ['db', 'dbs', 'database', 'databases', 'postgres', 'postgresql', 'pg_dump', 'full', 'sql'] },
  { tool: /\bmysqldump\b/, words: ['db', 'dbs', 'database', 'databases', 'mysql', 'mysqldump', 'full', 'sql'] },
  { tool: /\bmongodump\b/, words: ['db', 'database', 'mongodb', 'mongo', 'mongodump', 'full'] },
  { tool: /\bredis-cli\b.*--rdb\b|\bBGSAVE\b/i, words: ['redis', 'rdb'] },
];
const WRITES_FILE = />\s*["']?[^\s"'|&;]+|--rdb\s+\S+|(?:^|\s)(?:-f|--file|--out|--archive)[=\s]\S+/;
/** Sections whose commands are not the scheduled job: a copy before a change, a restore, a check. */
const NOT_THE_JOB = /before|pre-|prior|maintenance|upgrade|migration|restore|recover|verif|test|drill/i;

/** What introduces a block: the title of the section it is in and the bold label just above it ("**Backup Before Maintenance**:"). */
function introOf(ctx: FileContext, blockLine: number): string {
  let level = ctx.runbook.sections;
  let title = '';
  for (;;) {
    const s = level.find((x) => x.line <= blockLine && blockLine <= x.endLine);
    if (!s) break;
    title = s.title;
    level = s.children;
  }
  for (let l = blockLine - 1; l >= Math.max(1, blockLine - 3); l--) {
    const label = /^\s*\*\*([^*]+)\*\*/.exec(ctx.lineText(l))?.[1];
    if (label) return `${title} ${label}`;
  }
  return title;
}

/** The command that makes this backup's file, when the runbook shows one: its tool is what the backup's row names. */
function writerFor(ctx: FileContext, said: string): { text: string; line: number } | undefined {
  const words = new Set(said.toLowerCase().split(/[^a-z0-9_]+/));
  for (const block of ctx.runbook.blocks) {
    for (const command of block.commands) {
      const writer = WRITERS.find((w) => w.tool.test(command.text));
      if (!writer || !WRITES_FILE.test(command.text) || NOT_THE_JOB.test(introOf(ctx, block.line))) continue;
      if (writer.words.some((w) => words.has(w))) return command;
    }
  }
  return undefined;
}

/**
 * A scheduled backup is watched where it lands: a `file` check when the runbook shows the command
 * that writes it (its path a TODO unless the script names one), else a `heartbeat` the backup job
 * reports each run to, late after one period plus a twelfth.
 */
function addBackupCheck(ctx: FileContext, component: string, frequency: string, line: number, path: string | undefined, said: string, pathLine?: number): void {
  const maxAge = maxAgeFor(frequency);
  if (!maxAge) {
    ctx.found('backup', `${component}: ${frequency} — no freshness check (no period to age a file against)`, line);
    return;
  }
  const writer = path ? undefined : writerFor(ctx, said);
  if (!path && !writer) {
    const [, period = '1d', grace = '2h'] = PERIOD_TEXT.find(([re]) => re.test(frequency)) ?? [];
    const body: Record<string, unknown> = { kind: 'heartbeat', service: ctx.service, period, grace };
    const notes = [`"${said}" (line ${line}): the runbook shows no command that writes this backup, so its job reports each run (POST /api/heartbeats/<token>); late after one period plus a twelfth`];
    const item = ctx.add({ section: 'checks', body, sources: [ctx.src(line)], notes }, `${ctx.service}-backup-${slug(component)}`);
    ctx.found('backup', `${item.id}: ${component}, ${frequency} → heartbeat every ${period}, grace ${grace}`, line);
    return;
  }
  const body: Record<string, unknown> = {
    kind: 'file',
    service: ctx.service,
    path: path ?? ctx.todo(`${component}_backup_path`, `where the ${component} backups land: a file or a glob such as /backups/db/*.dump`),
    max_age: maxAge,
    interval: '5m',
  };
  const notes = [`"${said}" (line ${line}): max_age is one period plus a twelfth for the backup's own run`];
  if (writer) notes.push(`the runbook writes it with: ${writer.text.trim()} (line ${writer.line}); where the files are kept it does not say`);
  if (path) notes.push(`path: where the backup script writes (line ${pathLine}), its date part as *`);
  const item = ctx.add({ section: 'checks', body, sources: [ctx.src(line), ...(pathLine ? [ctx.src(pathLine)] : []), ...(writer ? [ctx.src(writer.line)] : [])], notes }, `${ctx.service}-backup-${slug(component)}`);
  ctx.found('backup', `${item.id}: ${component}, ${frequency} → file newer than ${maxAge}${path ? ` at ${path}` : ''}`, line);
}

/**
 * Backup freshness checks: a `file` check per backup schedule row ("System DB | pg_dump | Daily"),
 * per backup bullet under "Daily Backups" ("MongoDB: Full backup at 2 AM UTC"), and per
 * `find DIR -name GLOB -mtime -N` line, which is a freshness check the runbook already runs by hand.
 */
export function extractBackups(ctx: FileContext): void {
  for (const table of ctx.runbook.tables) {
    if (table.kind !== 'backup-schedule') continue;
    table.records.forEach((r, i) => {
      const component = (r.component ?? '').replace(/[`*]/g, '').trim();
      if (component) addBackupCheck(ctx, component, r.frequency ?? '', ctx.rowLine(table, i), undefined, `${component} | ${r.method ? `${r.method} | ` : ''}${r.frequency}${r.retention ? ` | keep ${r.retention}` : ''}`);
    });
  }
  for (const item of ctx.listItems) {
    const period = /^(hourly|daily|weekly|monthly|nightly)\s+backups?$/i.exec(item.label.trim())?.[1];
    // "**MongoDB**: Full backup at 2 AM" or "MongoDB: Full backup at 2 AM": the part before the colon names it.
    const name = item.ownLabel || /^([^:]{2,40}):\s/.exec(item.text)?.[1]?.trim();
    if (!period || !name || /retention|verification/i.test(name)) continue;
    addBackupCheck(ctx, name, period, item.line, undefined, item.text);
  }
  // "**Method**: Continuous WAL archiving + hourly backups" under the RPO: a schedule the table may not list.
  for (let l = 1; l <= ctx.lines.length; l++) {
    if (!/^#{1,6}\s.*(recovery point objective|\bRPO\b)/i.test(ctx.lineText(l))) continue;
    for (let k = l + 1; k <= Math.min(ctx.lines.length, l + 8) && !/^#{1,6}\s/.test(ctx.lineText(k)); k++) {
      const period = /\b(hourly|daily|weekly|monthly|nightly)\s+backups?\b/i.exec(ctx.lineText(k))?.[1];
      if (!period) continue;
      const every = PERIOD_TEXT.find(([re]) => re.test(period))?.[1];
      const scheduled = ctx.state.items.some((i) => i.section === 'checks' && i.body.service === ctx.service && (i.body.max_age === maxAgeFor(period) || i.body.period === every));
      if (!scheduled) addBackupCheck(ctx, `${period.toLowerCase()} backup`, period, k, undefined, ctx.lineText(k).trim());
    }
  }
  for (const section of scheduledSections(ctx)) {
    const written = backupPath(ctx, section.line, section.endLine);
    addBackupCheck(ctx, section.component, section.period, section.periodLine, written?.path, section.said, written?.line);
  }
  for (const block of ctx.runbook.blocks) {
    const vars = blockVariables(block.code);
    for (const command of block.commands) {
      addCleanupCheck(ctx, expandVariables(command.text, vars), command.line);
      const m = /\bfind\s+(\/[^\s;|]+)\s+(?:.*\s)?-name\s+["']?([^"'\s]+)["']?\s+(?:.*\s)?-mtime\s+-(\d+)\b/.exec(command.text);
      if (!m || /-delete|-exec/.test(command.text)) continue;
      const [, dir = '', glob = '', days = '1'] = m;
      const path = `${dir.replace(/\/$/, '')}/${glob}`;
      const component = dir.split('/').filter(Boolean).pop() ?? 'backup';
      // The same backups a scheduled check already watches: that check gains this line.
      const same = ctx.state.items.find((i) => i.section === 'checks' && i.body.kind === 'file' && typeof i.body.path === 'string' && i.body.path.startsWith(`${dir.replace(/\/$/, '')}/`) && i.body.service === ctx.service);
      if (same) {
        same.sources.push(ctx.src(command.line));
        same.notes.push(`the runbook checks the same files by hand: ${command.text.trim()} (line ${command.line})`);
        continue;
      }
      const maxAge = `${Number(days) * 24}h`;
      const body: Record<string, unknown> = { kind: 'file', service: ctx.service, path, max_age: maxAge, interval: '5m' };
      const item = ctx.add({ section: 'checks', body, sources: [ctx.src(command.line)], notes: [`the runbook checks by hand: ${command.text.trim()}`] }, `${ctx.service}-backup-${slug(component)}`);
      ctx.found('backup', `${item.id}: ${path} newer than ${maxAge}`, command.line);
    }
  }
}

/** `BACKUP_DIR="/backups/postgresql"` lines of a script: plain values only (no substitution). */
function blockVariables(code: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const m of code.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"$`]*)"|'([^']*)'|([^\s"'$`;|&]+))\s*$/gm)) vars.set(m[1]!, m[2] ?? m[3] ?? m[4] ?? '');
  return vars;
}

function expandVariables(text: string, vars: Map<string, string>): string {
  return text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (all, name: string) => vars.get(name) ?? all);
}

/**
 * A cleanup, `find DIR -name GLOB -mtime +N -delete` ("Clear logs older than 30 days", a backup
 * script's retention): a file check that the oldest match left is younger than N+1 days (find's
 * `-mtime +N` deletes files N+1 whole days old and more).
 */
function addCleanupCheck(ctx: FileContext, text: string, line: number): void {
  const m = /\bfind\s+(\/[^\s;|]+)\s+(?:.*\s)?-name\s+["']?([^"'\s]+)["']?\s+(?:.*\s)?-mtime\s+\+(\d+)\b.*-delete\b/.exec(text);
  if (!m) return;
  const [, dir = '', glob = '', days = '30'] = m;
  const path = `${dir.replace(/\/$/, '')}/${glob}`;
  const keep = `${Number(days) + 1}d`;
  const body: Record<string, unknown> = { kind: 'file', service: ctx.service, path, max_oldest_age: keep, interval: '1h' };
  // `/var/log/postgresql` → log-postgresql, `/backups/postgresql` → backups-postgresql: the last segment alone repeats.
  const component = dir.split('/').filter(Boolean).slice(-2).join('-') || 'files';
  const item = ctx.add({ section: 'checks', body, sources: [ctx.src(line)], notes: [`the runbook deletes what is older: ${text.trim()}; this check sees that the cleanup ran`] }, `${ctx.service}-${slug(component)}-cleanup`);
  ctx.found('backup', `${item.id}: nothing under ${path} older than ${keep}`, line);
}

interface ScheduledSection {
  component: string;
  period: string;
  periodLine: number;
  line: number;
  endLine: number;
  said: string;
}

/** Sections about a backup that say how often it runs: "### Daily Backup", or "**Frequency**: Daily at 2:00 AM". */
function scheduledSections(ctx: FileContext): ScheduledSection[] {
  const out: ScheduledSection[] = [];
  const walk = (sections: typeof ctx.runbook.sections): void => {
    for (const s of sections) {
      if (/backup/i.test(s.title) && !/restore|verif|recover|before/i.test(s.title)) {
        const inTitle = /\b(hourly|daily|weekly|monthly|nightly)\b/i.exec(s.title)?.[1];
        let label: { period: string; line: number; text: string } | undefined;
        for (let l = s.line + 1; l <= Math.min(s.endLine, s.line + 6) && !label; l++) {
          const m = /^\*\*Frequency\*\*\s*:?\s*(.*)$/i.exec(ctx.lineText(l).trim());
          const period = m ? /\b(hourly|daily|weekly|monthly|nightly)\b/i.exec(m[1]!)?.[1] : undefined;
          if (period) label = { period, line: l, text: ctx.lineText(l).trim() };
        }
        if (label || inTitle) {
          out.push({ component: s.title.replace(/\b(hourly|daily|weekly|monthly|nightly|automated|backups?)\b/gi, '').trim() || s.title, period: label?.period ?? inTitle!, periodLine: label?.line ?? s.line, line: s.line, endLine: s.endLine, said: label?.text ?? s.title });
          continue;
        }
      }
      walk(s.children);
    }
  };
  walk(ctx.runbook.sections);
  return out;
}

/** `tar czf "$DIR/x_$(date +%F).tar.gz" …` → the archive it writes. */
function tarFile(text: string): string | undefined {
  const m = /\btar\s+-?[a-z]*f\s+(?:"([^"]+)"|'([^']+)'|(\S+))/.exec(text);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

const BACKUP_FILE = /\.(sql|sql\.gz|dump|gz|tar|tgz|tar\.gz|rdb|bak|zst)$/;

/**
 * Where a backup script in the section writes: a `> "$DIR/name_$DATE.sql.gz"` redirection or a
 * `BACKUP_FILE=…` assignment or a `tar czf FILE`, with the script's own literal variables filled in and the date part
 * (any other variable or $(…)) as `*`.
 */
function backupPath(ctx: FileContext, from: number, to: number): { path: string; line: number } | undefined {
  const vars = new Map<string, string>();
  for (const block of ctx.runbook.blocks) {
    if (block.line < from || block.line > to) continue;
    const lines = block.code.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i]!;
      const assign = /^\s*([A-Z_][A-Z0-9_]*)=["']?([^"'$\s]+)["']?\s*$/.exec(text);
      if (assign) vars.set(assign[1]!, assign[2]!);
      const target =
        />\s*["']?([^\s"'|;]+)["']?\s*$/.exec(text)?.[1] ?? /^\s*BACKUP_FILE=["']?([^"'\s]+)["']?/.exec(text)?.[1] ?? tarFile(text);
      if (!target) continue;
      const path = target
        .replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (_m, name: string) => vars.get(name) ?? '*')
        .replace(/\$\([^)]*\)/g, '*')
        .replace(/\*+/g, '*');
      if (path.startsWith('/') && BACKUP_FILE.test(path) && !/[*?[]/.test(path.slice(0, path.lastIndexOf('/')))) return { path, line: block.line + 1 + i };
    }
  }
  return undefined;
}
