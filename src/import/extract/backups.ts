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

function addBackupCheck(ctx: FileContext, component: string, frequency: string, line: number, path: string | undefined, said: string, pathLine?: number): void {
  const maxAge = maxAgeFor(frequency);
  if (!maxAge) {
    ctx.found('backup', `${component}: ${frequency} — no freshness check (no period to age a file against)`, line);
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
  if (!path) notes.push('the runbook does not say where the backup files are');
  else notes.push(`path: where the backup script writes (line ${pathLine}), its date part as *`);
  const item = ctx.add({ section: 'checks', body, sources: [ctx.src(line), ...(pathLine ? [ctx.src(pathLine)] : [])], notes }, `${ctx.service}-backup-${slug(component)}`);
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
      if (component) addBackupCheck(ctx, component, r.frequency ?? '', ctx.rowLine(table, i), undefined, `${component} | ${r.frequency}${r.retention ? ` | keep ${r.retention}` : ''}`);
    });
  }
  for (const item of ctx.listItems) {
    const period = /^(hourly|daily|weekly|monthly|nightly)\s+backups?$/i.exec(item.label.trim())?.[1];
    if (!period || !item.ownLabel || /retention|verification/i.test(item.ownLabel)) continue;
    addBackupCheck(ctx, item.ownLabel, period, item.line, undefined, item.text);
  }
  for (const section of scheduledSections(ctx)) {
    const written = backupPath(ctx, section.line, section.endLine);
    addBackupCheck(ctx, section.component, section.period, section.periodLine, written?.path, section.said, written?.line);
  }
  for (const block of ctx.runbook.blocks) {
    for (const command of block.commands) {
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

const BACKUP_FILE = /\.(sql|sql\.gz|dump|gz|tar|tgz|tar\.gz|rdb|bak|zst)$/;

/**
 * Where a backup script in the section writes: a `> "$DIR/name_$DATE.sql.gz"` redirection or a
 * `BACKUP_FILE=…` assignment, with the script's own literal variables filled in and the date part
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
      const target = />\s*["']?([^\s"'|;]+)["']?\s*$/.exec(text)?.[1] ?? /^\s*BACKUP_FILE=["']?([^"'\s]+)["']?/.exec(text)?.[1];
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
