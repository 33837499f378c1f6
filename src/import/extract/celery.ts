import type { Table } from '../../runbooks/index.js';
import type { FileContext } from '../context.js';
import { parseDuration } from '../../lib/duration.js';

/** The queue Celery workers consume when no `-Q` names others (Celery's task_default_queue). */
const DEFAULT_QUEUE = 'celery';
const WORKER = /\bcelery\b.*\sworker\b/;
const BEAT = /\bcelery\b.*\sbeat\b/;

/** "2-4 per host" → at least 2, more than 4 is a warning; "1 (serial)" → at most 1; "3" → at least 3. */
function workerCount(cell: string): { min?: number; max?: number; serial: boolean } | undefined {
  const range = /(\d+)\s*[-–]\s*(\d+)/.exec(cell);
  if (range) return { min: Number(range[1]), max: Number(range[2]), serial: false };
  const one = /(\d+)/.exec(cell);
  if (!one) return undefined;
  const serial = /serial|single|only|exactly|at most|max/i.test(cell);
  return serial ? { max: Number(one[1]), serial } : { min: Number(one[1]), serial };
}

function column(table: Table, re: RegExp): number {
  return table.headers.findIndex((h) => re.test(h));
}

/**
 * Celery, read from the runbook's own commands: the production `celery … worker -Q a,b` is a celery
 * check on those queues (the default queue without -Q), at least the workers a queue table gives
 * ("2-4 per host": fewer than 2 fails, more than 4 warns); a table queue those workers do not
 * consume, kept to a count ("1 (serial)"), is a check of its own; `celery … beat` with a table of
 * periodic tasks is a check that exactly one beat sends them.
 */
export function extractCelery(ctx: FileContext): void {
  if (/\bamqps?:\/\//.test(ctx.text)) return; // opsbook's celery check speaks the Redis transport only
  const commands = ctx.runbook.blocks.flatMap((b) => b.commands).map((c) => ({ line: c.line, text: c.text.replace(/\\\n/g, ' ').replace(/\s+/g, ' ') }));
  const workers = commands.filter((c) => WORKER.test(c.text));
  if (workers.length === 0) return;
  const broker = (): string => ctx.todo('broker_redis_url', 'redis:// URL of the Celery broker');
  const named = workers.find((w) => /\s(?:-Q|--queues)[\s=]/.test(w.text));
  const queues = named ? /\s(?:-Q|--queues)[\s=]+([\w.,-]+)/.exec(named.text)![1]!.split(',').filter(Boolean) : [DEFAULT_QUEUE];
  const worker = named ?? workers[0]!;
  const table = ctx.runbook.tables.find((t) => column(t, /^queue/i) >= 0 && column(t, /worker/i) >= 0);
  const counts = new Map<string, { min?: number; max?: number; serial: boolean; line: number }>();
  table?.rows.forEach((row, i) => {
    const q = (row[column(table, /^queue/i)] ?? '').replace(/[`*]/g, '').trim();
    const n = workerCount(row[column(table, /worker/i)] ?? '');
    if (q && n) counts.set(q, { ...n, line: ctx.rowLine(table, i) });
  });

  const conditions: string[] = [];
  const warning: string[] = [];
  for (const q of queues) {
    const n = counts.get(q);
    conditions.push(`[WORKERS:${q}] >= ${n?.min ?? 1}`);
    if (n?.max !== undefined && !n.serial) warning.push(`[WORKERS:${q}] > ${n.max}`);
  }
  const body: Record<string, unknown> = { kind: 'celery', service: ctx.service, broker: broker(), queues, conditions, ...(warning.length > 0 ? { warning } : {}) };
  const procedure = ctx.procedureAt(worker.line);
  if (procedure) body.runbook = ctx.reference(procedure);
  const notes = [`the runbook runs its workers with: ${worker.text.trim()} (line ${worker.line})`, ...(table ? [`worker counts from the queue table (line ${table.line})`] : [])];
  const item = ctx.add({ section: 'checks', body, sources: [ctx.src(worker.line), ...(table ? [ctx.src(table.line)] : [])], notes }, `${ctx.service}-celery-workers`);
  ctx.found('check', `${item.id}: celery workers on ${queues.join(', ')}${warning.length > 0 ? ` — warning ${warning.join(', ')}` : ''}`, worker.line);

  // A queue of the table the workers above do not consume, held to a count: its own workers.
  for (const [q, n] of counts) {
    if (queues.includes(q) || !n.serial) continue;
    const own: Record<string, unknown> = { kind: 'celery', service: ctx.service, broker: broker(), queues: [q], conditions: ['[CONNECTED] == true', `[WORKERS:${q}] <= ${n.max}`] };
    const check = ctx.add({ section: 'checks', body: own, sources: [ctx.src(n.line)], notes: [`"${ctx.lineText(n.line).trim()}" (line ${n.line}): at most ${n.max} worker(s) on ${q}`] }, `${ctx.service}-celery-${q}`);
    ctx.found('check', `${check.id}: celery queue ${q} — at most ${n.max} worker(s)`, n.line);
  }

  const beat = commands.find((c) => BEAT.test(c.text));
  const tasks = periodicTasks(ctx);
  if (!beat || tasks.length === 0) return;
  const shortest = Math.min(...tasks.map((t) => t.every));
  const window = Math.min(shortest, 600_000);
  const beatBody: Record<string, unknown> = {
    kind: 'celery',
    service: ctx.service,
    broker: broker(),
    beat_tasks: tasks.map((t) => t.name),
    beat_window: `${Math.round(window / 1000)}s`,
    // It listens for the whole window: the timeout is past it, and a timeout may not be longer than the interval.
    interval: `${Math.max(30, Math.round(window / 1000) + 30)}s`,
    timeout: `${Math.round(window / 1000) + 30}s`,
    conditions: ['[BEAT_INSTANCES] == 1'],
  };
  const beatProcedure = ctx.procedureAt(beat.line);
  if (beatProcedure) beatBody.runbook = ctx.reference(beatProcedure);
  const check = ctx.add(
    { section: 'checks', body: beatBody, sources: [ctx.src(beat.line), ...tasks.map((t) => ctx.src(t.line))], notes: [`beat runs as: ${beat.text.trim()} (line ${beat.line}); one instance sends the periodic tasks (listened to for the shortest period)`] },
    `${ctx.service}-celery-beat`,
  );
  ctx.found('check', `${check.id}: celery beat — one instance sends ${tasks.map((t) => t.name).join(', ')}`, beat.line);
}

/** A table of periodic tasks ("Task | Schedule"): each task's dotted name and how often it runs. */
function periodicTasks(ctx: FileContext): { name: string; every: number; line: number }[] {
  const out: { name: string; every: number; line: number }[] = [];
  for (const table of ctx.runbook.tables) {
    const task = column(table, /^task/i);
    const when = column(table, /schedule|every|frequency|interval/i);
    if (task < 0 || when < 0) continue;
    table.rows.forEach((row, i) => {
      const name = (row[task] ?? '').replace(/[`*]/g, '').trim();
      const m = /every\s+(\d+)?\s*(second|sec|minute|min|hour|day)s?\b/i.exec(row[when] ?? '');
      if (!/^[\w]+(\.[\w]+)+$/.test(name) || !m) return;
      const unit = m[2]!.toLowerCase().startsWith('sec') ? 's' : m[2]!.toLowerCase().startsWith('min') ? 'm' : m[2]!.toLowerCase().startsWith('hour') ? 'h' : 'd';
      const every = parseDuration(`${m[1] ?? 1}${unit}`);
      if (every) out.push({ name, every, line: ctx.rowLine(table, i) });
    });
  }
  return out;
}
