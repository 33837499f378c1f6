import type { Procedure, Table } from '../../runbooks/index.js';
import { slug, type FileContext } from '../context.js';
import type { Item } from '../model.js';
import { condition, parseThreshold, type Threshold } from '../threshold.js';
import { words, type Linker } from '../link.js';
import { chooseSeverity, DEFAULT_LADDER } from '../severity.js';
import { inUnit, unitNamed } from '../units.js';
import { jsonFigure } from './json-figures.js';
import { curlCredentialHeaders } from './http.js';
import { metricFor, metricReads } from './metric-reads.js';
import { postgresFigure } from './stores.js';

type Level = 'warning' | 'critical';

interface Found {
  th: Threshold;
  line: number;
  /** warning / critical: a check level; alert: a rule; expected: the healthy value (warning outside it). */
  mode: Level | 'alert' | 'expected';
  procedure?: Procedure;
  alert?: string;
  severity?: { id: string; line: number };
  said: string;
}

const PROMETHEUS_NAME = /^[a-z_:][a-z0-9_:]*_[a-z0-9_:]*$/;
/** Words that say how a queue is measured, not which queue it is. */
const QUEUE_WORDS = new Set(['queue', 'queues', 'jobs', 'job', 'size', 'depth', 'length', 'backlog', 'tasks', 'messages']);

function subjectKey(subject: string): string {
  return subject
    .toLowerCase()
    .replace(/[`*]/g, '')
    .replace(/^(high|low)\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function levelOf(text: string, label: string): Level | undefined {
  const own = /[:\s-]\s*(warning|critical)\s*\)?\s*$/i.exec(text)?.[1];
  if (own) return own.toLowerCase() as Level;
  const l = /^(critical|warning)\b/i.exec(label.trim())?.[1];
  return l ? (l.toLowerCase() as Level) : undefined;
}

/** Thresholds from typed tables: Warning/Critical columns are levels, a lone "Alert Threshold" an alert. */
function fromTables(ctx: FileContext, table: Table): Found[] {
  const out: Found[] = [];
  table.records.forEach((r, i) => {
    const line = ctx.rowLine(table, i);
    const subject = (r.metric ?? '').replace(/[`*]/g, '').trim();
    if (!subject) return;
    const levels: [Found['mode'], string | undefined][] = table.headers.some((h) => /warn/i.test(h))
      ? [['warning', r.warning], ['critical', r.critical]]
      : [['alert', r.critical]];
    for (const [mode, cell] of levels) {
      const th = cell ? parseThreshold(cell) : undefined;
      if (th) out.push({ th: { ...th, subject }, line, mode, said: `${subject} ${cell}` });
    }
  });
  return out;
}

function alertNameIn(procedure: Procedure | undefined): string | undefined {
  for (const ph of procedure?.phases ?? []) {
    if (ph.kind !== 'symptoms') continue;
    for (const s of ph.steps) {
      const m = /\balert\s*:\s*["“`]?([A-Za-z][A-Za-z0-9_]+)/i.exec(s.text) ?? /\balert\s+["“`]([A-Za-z][A-Za-z0-9_]+)["”`]/i.exec(s.text);
      if (m) return m[1];
    }
  }
  return undefined;
}

/** Thresholds from bullets, read by what introduces them (levels, symptoms, expected results, "alert at"). */
function fromBullets(ctx: FileContext): Found[] {
  const out: Found[] = [];
  for (const item of ctx.listItems) {
    const th = parseThreshold(item.text);
    if (!th || !th.subject || /certificate|\bcert\b|ssl|tls/i.test(th.subject)) continue;
    const phase = ctx.phaseAt(item.line);
    const procedure = ctx.procedureAt(item.line);
    const level = levelOf(item.text, item.label);
    const explicitSeverity = /\((P\d|SEV\d)\b[^)]*\)/i.exec(item.text)?.[1]?.toUpperCase();
    let mode: Found['mode'] | undefined;
    if (level) mode = level;
    else if (phase?.kind === 'symptoms') mode = 'alert';
    else if (/expected|normal|healthy/i.test(`${item.label} ${phase?.label ?? ''}`)) mode = 'expected';
    else if (/\balert (at|if)\b/i.test(item.text) || /alert|threshold/i.test(item.label)) mode = 'alert';
    if (!mode) continue;
    const severity = explicitSeverity ? { id: explicitSeverity, line: item.line } : mode === 'alert' && procedure ? ctx.procedureSeverity(procedure) : undefined;
    out.push({
      th,
      line: item.line,
      mode,
      ...(procedure && mode === 'alert' && phase?.kind === 'symptoms' ? { procedure, alert: alertNameIn(procedure) } : {}),
      ...(severity ? { severity } : {}),
      said: item.text,
    });
  }
  return out;
}

export interface QueueCheck {
  key: string;
  item: Item;
}

/**
 * Checks and rules from thresholds. Thresholds on the same measurement share one check: its levels
 * from Warning/Critical, its healthy range from expected results, and a rule per alert (symptoms,
 * "alert at"). The measurement is named by the runbook when it can be (a Prometheus metric name, a
 * queue read with LLEN); otherwise its source is a TODO, never guessed.
 */
export function extractThresholds(ctx: FileContext, linker: Linker, queues: QueueCheck[]): void {
  const found = [...ctx.runbook.tables.filter((t) => t.kind === 'alert-thresholds').flatMap((t) => fromTables(ctx, t)), ...fromBullets(ctx)];
  found.sort((a, b) => a.line - b.line);
  const checks = new Map<string, { item: Item; placeholder: string; domain: 'seconds' }>();
  const ladder = ctx.state.ladder ?? DEFAULT_LADDER;

  for (const f of found) {
    const key = subjectKey(f.th.subject);
    let check = checks.get(key);
    if (!check) {
      const queue = queueFor(key, queues);
      const keys = queue ? undefined : redisKeysFor(ctx, key);
      const celery = queue || keys ? undefined : celeryQueueFor(ctx, key);
      if (celery) {
        const body: Record<string, unknown> = { kind: 'redis', service: ctx.service, url: celery.broker, key: celery.queue };
        const notes = [`"${f.th.subject}": the Celery workers consume queue ${celery.queue} (${celery.check}); on a Redis broker a queue is a list of that name, [LENGTH] its waiting tasks`];
        const item = ctx.add({ section: 'checks', body, sources: [ctx.src(f.line)], notes }, `${ctx.service}-${slug(key)}`);
        ctx.found('check', `${item.id}: redis LLEN ${celery.queue} (the Celery queue)`, f.line);
        check = { item, placeholder: '[LENGTH]', domain: 'seconds' };
      } else if (queue) {
        check = { item: queue.item, placeholder: '[LENGTH]', domain: 'seconds' };
      } else if (keys) {
        const body: Record<string, unknown> = { kind: 'redis', service: ctx.service, url: ctx.todo('redis_url', 'redis:// URL of the Redis that holds the queues'), ...keys.select };
        const notes = [`"${f.th.subject}": the runbook's own commands name ${keys.keys.join(', ')} (line ${keys.line}); [LENGTH] is ${keys.keys.length > 1 ? 'their summed length' : 'its length'}`];
        const item = ctx.add({ section: 'checks', body, sources: [ctx.src(f.line)], notes }, `${ctx.service}-${slug(key)}`);
        ctx.found('check', `${item.id}: redis ${JSON.stringify(keys.select)}`, f.line);
        check = { item, placeholder: '[LENGTH]', domain: 'seconds' };
      } else {
        const base = slug(key).startsWith(`${ctx.service}-`) ? slug(key) : `${ctx.service}-${slug(key)}`;
        const measured = measureBody(ctx, f.th, f.procedure ?? ctx.procedureAt(f.line));
        const item = ctx.add({ section: 'checks', body: measured.body, sources: [ctx.src(f.line)], notes: measured.notes }, base);
        check = { item, placeholder: '[VALUE]', domain: 'seconds' };
        const what = measuredText(item.body);
        ctx.found('check', `${item.id}: ${String(item.body.kind)} (${what}) for "${f.th.subject}"`, f.line);
        const runbook = f.procedure ? ctx.reference(f.procedure) : linker.find([f.th.subject, key], ctx);
        if (runbook) item.body.runbook = runbook;
      }
      checks.set(key, check);
    }
    const { item } = check;
    const unit = f.th.unit === 'duration' ? unitNamed(ctx, f.th.subject, f.line, f.procedure) : undefined;
    const th = unit ? inUnit(f.th, unit) : f.th;
    const unitNote = unit ? `compared in ${unit.unit}: the runbook reads ${unit.name} (line ${unit.line})` : undefined;
    if (unitNote && !item.notes.includes(unitNote)) {
      const seconds = item.notes.findIndex((n) => n.startsWith('durations compare in seconds'));
      if (seconds >= 0 && unit?.unit !== 'seconds') item.notes.splice(seconds, 1);
      item.notes.push(unitNote);
    }
    if (!item.sources.some((s) => s.line === f.line)) item.sources.push(ctx.src(f.line));
    // A level fires on the first result; a threshold that must hold a while is a rule with for: only.
    if ((f.mode === 'warning' || f.mode === 'critical' || f.mode === 'expected') && f.th.for === undefined) {
      const level: Level = f.mode === 'expected' ? 'warning' : f.mode;
      const cond = condition(check.placeholder, th, { negate: f.mode === 'expected', domain: check.domain });
      const list = ((item.body[level] as string[] | undefined) ?? []);
      if (!list.includes(cond)) item.body[level] = [...list, cond];
      item.notes.push(`${level}: "${f.said}" (line ${f.line})${f.mode === 'expected' ? ' is the healthy value; outside it is a warning' : ''}`);
      ctx.found('check', `${item.id}: ${level} ${cond}`, f.line);
    }
    const wantsRule = f.mode === 'alert' || f.th.for !== undefined;
    if (!wantsRule) continue;
    const terms = [f.th.subject, ...(f.alert ? [f.alert] : [])];
    const runbook = f.procedure ? ctx.reference(f.procedure) : linker.find(terms, ctx);
    const ruleCondition = condition('value', th, { domain: check.domain }).replace(/\[LENGTH\]/g, 'value');
    const same = ctx.state.items.find((i) => i.section === 'rules' && i.body.check === item.id && i.body.condition === ruleCondition && i.body.for === f.th.for);
    if (same) {
      // The same alert said twice (a table and a procedure's symptoms): one rule, both lines.
      same.sources.push(ctx.src(f.line));
      same.notes.push(`also "${f.said}" (line ${f.line})`);
      if (runbook && same.body.runbook === undefined) same.body.runbook = runbook;
      if (f.severity && ladder.includes(f.severity.id)) same.body.severity = f.severity.id;
      ctx.found('rule', `${same.id}: ${item.id} ${ruleCondition} (said again)`, f.line);
      continue;
    }
    const body: Record<string, unknown> = { check: item.id, condition: ruleCondition };
    if (f.th.for) body.for = f.th.for;
    const notes = [`"${f.said}" (line ${f.line})`];
    const chosen = chooseSeverity(ctx.state, f.th.subject, f.mode === 'warning' ? 'warning' : 'critical', f.severity);
    body.severity = chosen.id;
    notes.push(`severity ${chosen.why}`);
    if (f.mode !== 'alert' && f.mode !== 'expected') body.labels = { level: f.mode };
    if (runbook) body.runbook = runbook;
    const sources = [ctx.src(f.line), ...(f.severity && f.severity.line !== f.line ? [ctx.src(f.severity.line)] : []), ...(chosen.source ? [chosen.source] : [])];
    const rule = ctx.add({ section: 'rules', body, sources, notes }, f.alert ? slug(words(f.alert)) : `${item.id}-${f.mode === 'alert' ? 'alert' : f.mode}`);
    ctx.found('rule', `${rule.id}: ${item.id} ${ruleCondition}${f.th.for ? ` for ${f.th.for}` : ''}${body.severity ? ` → ${String(body.severity)}` : ''}`, f.line);
    if (runbook) ctx.found('runbook link', `${rule.id} → ${runbook}`, f.line);
  }
}

/**
 * "Failed jobs > 100" where the runbook's redis commands name `shop:email:failed`,
 * `shop:sms:failed`: the keys whose segments hold every word of the subject. Keys that differ in one
 * segment are one glob (`shop:*:failed`, lengths summed); one key is itself.
 */
function redisKeysFor(ctx: FileContext, subject: string): { select: { key: string } | { pattern: string }; keys: string[]; line: number } | undefined {
  const wanted = subject.split(/[^a-z0-9]+/).filter((w) => w.length >= 3 && !QUEUE_WORDS.has(w));
  if (wanted.length === 0) return undefined;
  const keys: string[] = [];
  let line = 0;
  for (const block of ctx.runbook.blocks) {
    for (const command of block.commands) {
      if (command.target !== 'redis') continue;
      for (const m of command.text.matchAll(/(?:^|[\s>])(?:DEL|LLEN|LRANGE|ZCARD|SCARD|XLEN|TYPE)\s+([\w.-]+(?::[\w.-]+)+)/gi)) {
        const k = m[1]!;
        const parts = k.toLowerCase().split(':');
        if (!wanted.every((w) => parts.includes(w) || parts.includes(`${w}s`))) continue;
        if (!keys.includes(k)) keys.push(k);
        line ||= command.line;
      }
    }
  }
  if (keys.length === 0) return undefined;
  if (keys.length === 1) return { select: { key: keys[0]! }, keys, line };
  const split = keys.map((k) => k.split(':'));
  if (!split.every((p) => p.length === split[0]!.length)) return undefined;
  const varying = split[0]!.map((_, i) => new Set(split.map((p) => p[i])).size > 1);
  if (varying.filter(Boolean).length !== 1) return undefined;
  return { select: { pattern: split[0]!.map((seg, i) => (varying[i] ? '*' : seg)).join(':') }, keys, line };
}

/**
 * "Celery queue size" where the runbook's Celery workers (a celery check) consume known queues: the
 * broker list of the one queue the subject names, or of the only queue when it names Celery alone.
 */
function celeryQueueFor(ctx: FileContext, subject: string): { queue: string; broker: string; check: string } | undefined {
  const wanted = subject.split(/[^a-z0-9]+/).filter((w) => w.length >= 3 && !QUEUE_WORDS.has(w));
  if (!wanted.includes('celery')) return undefined;
  const others = wanted.filter((w) => w !== 'celery');
  for (const item of ctx.state.items) {
    if (item.section !== 'checks' || item.body.kind !== 'celery' || item.body.service !== ctx.service || typeof item.body.broker !== 'string') continue;
    const names = Array.isArray(item.body.queues) ? item.body.queues.map(String) : [];
    const named = others.length === 0 ? (names.length === 1 ? names : []) : names.filter((q) => others.every((w) => q.toLowerCase().split(/[^a-z0-9]+/).includes(w)));
    if (named.length === 1) return { queue: named[0]!, broker: item.body.broker, check: item.id };
  }
  return undefined;
}

function queueFor(key: string, queues: QueueCheck[]): QueueCheck | undefined {
  const wanted = key.split(/[^a-z0-9]+/).filter((w) => w.length >= 3 && !QUEUE_WORDS.has(w));
  if (wanted.length === 0) return undefined;
  return queues.find((q) => {
    const parts = q.key.toLowerCase().split(/[^a-z0-9]+/);
    return wanted.every((w) => parts.includes(w));
  });
}

/**
 * A metrics check on the named Prometheus metric when there is one; a json check where the runbook
 * reads the figure from a JSON endpoint with jq; else a metrics check on a TODO selector.
 */
function measureBody(ctx: FileContext, th: Threshold, procedure: Procedure | undefined): { body: Record<string, unknown>; notes: string[] } {
  const name = th.subject.replace(/[`*]/g, '').trim();
  const quantile = th.quantile ?? quantileNamed(name);
  const sql = PROMETHEUS_NAME.test(name) ? undefined : postgresFigure(ctx, name);
  if (sql) return sql;
  const read = PROMETHEUS_NAME.test(name) ? undefined : metricFor(metricReads(ctx), name, th.unit, quantile);
  if (read) {
    const notes = [`read as the runbook reads it: ${read.said} (line ${read.line})`, ...measureNotes(ctx, th).filter((n) => !n.startsWith('the runbook does not say'))];
    return { body: { kind: 'metrics', service: ctx.service, url: metricsUrl(ctx), ...read.measure }, notes };
  }
  const figure = PROMETHEUS_NAME.test(name) ? undefined : jsonFigure(ctx, name, procedure);
  const mapped = figure ? ctx.urlFor(figure.read.url) : undefined;
  if (figure && mapped) {
    const path = figure.path ?? ctx.todo(`${name}_json_path`, `jq path (.a.b) of "${name}" in the JSON of ${figure.read.url} (the runbook reads ${figure.read.path} there, line ${figure.read.line})`);
    const notes = [figure.path ? `read as the runbook reads it: ${figure.read.url} | jq '${figure.path}' (line ${figure.read.line})` : `the runbook reads its figures from ${figure.read.url} with jq (${figure.read.path}, line ${figure.read.line}); which key holds "${name}" it does not say`];
    if (th.unit === 'percent') notes.push('percentages compare as fractions (80% = 0.8)');
    const headers = curlCredentialHeaders(figure.read.command);
    return { body: { kind: 'json', service: ctx.service, url: mapped.url, path, ...(headers ? { headers } : {}) }, notes };
  }
  return { body: metricsBody(ctx, th, name), notes: measureNotes(ctx, th) };
}

/** What a proposed check reads, for the findings list: `gauge x`, `p99 of h`, `x / y`, `.a.b`, or `source TODO`. */
function measuredText(body: Record<string, unknown>): string {
  const open = (v: unknown): boolean => typeof v !== 'string' || v.includes('${');
  const q = body.quantile as { q: number; histogram: string } | undefined;
  const r = body.ratio as { of: string; over: string } | undefined;
  if (body.kind === 'json') return open(body.path) ? `${String(body.url).replace(/^\$\{[^}]+\}/, '')}, key TODO` : String(body.path);
  if (typeof body.gauge === 'string' && !open(body.gauge)) return `gauge ${body.gauge}`;
  if (q && !open(q.histogram)) return `p${String(q.q).slice(2)} of ${q.histogram}`;
  if (r) return `${r.of} / ${r.over}`;
  return 'source TODO';
}

/** "Latency p99" names the 0.99 quantile. */
function quantileNamed(subject: string): number | undefined {
  const p = /\bp(\d{2,3}(?:\.\d+)?)\b/i.exec(subject)?.[1];
  return p ? Number(`0.${p.replace('.', '')}`) : undefined;
}

export function metricsUrl(ctx: FileContext): string {
  return ctx.metricsPath && ctx.baseUrl ? `${ctx.baseUrl}${ctx.metricsPath.path}` : ctx.todo(`metrics_url`, 'URL of the Prometheus metrics endpoint that exposes the measurements');
}

function metricsBody(ctx: FileContext, th: Threshold, name: string): Record<string, unknown> {
  const url = metricsUrl(ctx);
  const body: Record<string, unknown> = { kind: 'metrics', service: ctx.service, url };
  if (PROMETHEUS_NAME.test(name)) {
    if (th.quantile !== undefined) body.quantile = { q: th.quantile, histogram: name.replace(/_bucket$/, '') };
    else body.gauge = name;
  } else if (th.quantile !== undefined) {
    body.quantile = { q: th.quantile, histogram: ctx.todo(`${name}_histogram`, `histogram (without _bucket) that measures "${name}"`) };
  } else {
    body.gauge = ctx.todo(`${name}_selector`, `metric selector that measures "${name}"`);
  }
  return body;
}

function measureNotes(ctx: FileContext, th: Threshold): string[] {
  const notes: string[] = [];
  const name = th.subject.replace(/[`*]/g, '').trim();
  if (!PROMETHEUS_NAME.test(name)) notes.push(`the runbook does not say where "${name}" is measured: fill the selector (or change the kind)`);
  if (th.unit === 'duration') notes.push('durations compare in seconds, the Prometheus base unit');
  if (th.unit === 'percent') notes.push('percentages compare as fractions (80% = 0.8)');
  if (ctx.metricsPath) notes.push(`metrics endpoint ${ctx.metricsPath.path} (line ${ctx.metricsPath.line})`);
  return notes;
}
