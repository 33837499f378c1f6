import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { z } from 'zod';
import { duration } from '../config/schema/common.js';
import { OpsbookError } from '../lib/errors/index.js';
import { faultSchema } from './faults/index.js';
import { describeYamlError } from '../lib/yaml-errors.js';


const commandExpectation = z.strictObject({
  /** A piece of the command's text as the runbook writes it. */
  command: z.string().min(1),
  /** How it must end: ok (default), or failed when the fault itself makes it fail (Redis down). */
  status: z.enum(['ok', 'failed']).default('ok'),
  /** A regular expression its output (stdout, else stderr) must match: a value the fault produced. */
  output: z.string().min(1),
  /**
   * The output is evidence of the fault (default): once the world is mended the same command runs
   * again and must no longer match. `false` for context that holds either way (say why in a comment).
   */
  evidence: z.boolean().default(true),
});

/**
 * A value the game day reads from the world itself, on the server where it shows: for a runbook query
 * that cannot show it as written (`pg_last_xact_replay_timestamp()` is NULL on the primary it is run
 * on), with the reason.
 */
const sqlRead = z.strictObject({
  /** One read-only SQL statement. */
  sql: z.string().min(1),
  /** The world's primary (`${GAMEDAY_PG_URL}`) or its streaming replica (`${GAMEDAY_PG_REPLICA_URL}`). */
  on: z.enum(['primary', 'replica']).default('primary'),
  /** A regular expression its rows (columns joined by |, one row a line) must match. */
  output: z.string().min(1),
  /** Gone once the world is mended (default), as `ran` evidence. */
  evidence: z.boolean().default(true),
  /** Why the runbook's own query cannot show this value. */
  why: z.string().min(1),
});

/**
 * The application's own log, as `kubectl logs --tail=N` or `tail -N app.log` shows it: the last
 * `tail` lines its current process wrote (a restarted process starts a new log), those matching `grep`.
 */
const appLogRead = z.strictObject({
  app_log: z.strictObject({
    tail: z.number().int().min(1).max(5000),
    /** A regular expression, as `grep -E` takes it. */
    grep: z.string().min(1),
  }),
  /** A regular expression the matching lines must match. */
  output: z.string().min(1),
  evidence: z.boolean().default(true),
  /** Why the runbook's own command cannot show it (a host's file, a pod's log). */
  why: z.string().min(1),
});

const worldRead = z.union([sqlRead, appLogRead]);

/** A message the first page puts on one of the world's channel peers (src/gameday/peers.ts). */
const peerPage = z.strictObject({
  channel: z.enum(['slack', 'email', 'pagerduty', 'twilio']),
  /** A piece of where it went: the Slack webhook path, the email recipients, the PagerDuty event action, the phone number. */
  to: z.string().min(1).optional(),
  /** A regular expression the message must match (a PagerDuty event's severity, a Slack text). */
  says: z.string().min(1).optional(),
});

const notRunnable = z.strictObject({
  command: z.string().min(1),
  /** A piece of the reason it cannot run here. */
  why: z.string().optional(),
});

/** A read command that ran and printed nothing, or failed, without that being its evidence: allowed only with the reason. */
const quietCommand = z.strictObject({
  command: z.string().min(1),
  why: z.string().min(1),
});

/**
 * How the responder ends the fault: a step of the runbook's own procedure run through the execution
 * service with the confirmation and role it needs, or — where the runbook's resolution cannot act on
 * this world — a `mend` the game day runs in its place, with the reason.
 */
const resolution = z.union([
  z.strictObject({
    /** The step's number in the procedure the incident links (as `opsbook run` numbers it). */
    step: z.number().int().min(1),
    /** One command of the step (1-based); default all. */
    command: z.number().int().min(1).optional(),
    /** Who runs it: a responder, or an admin where the runbook reserves it. */
    as: z.enum(['responder', 'admin']).default('responder'),
    /** What is typed at the confirmation: `yes` for a write, the target's name for a destructive step. */
    confirm: z.string().min(1).optional(),
    params: z.record(z.string(), z.string()).default({}),
    /** A regular expression the step's output must match. */
    output: z.string().optional(),
  }),
  z.strictObject({
    /** A shell command run with the world's GAMEDAY_* environment (curl to the stand-in's admin endpoint, pg_dump …), or `undo` for the fault's own undo. */
    mend: z.string().min(1),
    /** Why the runbook's own resolution cannot act on this world. */
    why: z.string().min(1),
  }),
]);

const scenario = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  title: z.string().min(1),
  inject: faultSchema,
  expect: z.strictObject({
    /** The rule whose alert must fire (`check:ID` for a check's implicit rule). */
    alert: z.string().min(1),
    severity: z.string().min(1),
    /** Where the severity comes from: a runbook line (FILE:LINE) or `configured`. */
    severity_source: z.string().min(1),
    /** The runbook's own procedure, FILE#ID. */
    runbook: z.string().regex(/^[^#\s]+#[^#\s]+$/),
    /** How long (simulated) the alert may take to fire, and the incident to resolve once mended. Default 15m. */
    within_minutes: z.number().int().min(1).max(240).default(15),
    /** Phases whose read commands the game day runs (default diagnosis). */
    phases: z.array(z.string()).default(['diagnosis']),
    ran: z.array(commandExpectation).default([]),
    not_runnable: z.array(notRunnable).default([]),
    /** Read commands allowed to fail or print nothing, each with the reason. */
    quiet: z.array(quietCommand).default([]),
    /** Values the game day reads from the world itself where the runbook's query cannot show them. */
    world: z.array(worldRead).default([]),
    /** Open items the post-incident review must carry (`- [ ] …`), in the runbook's words: its template and Post-Incident list at work. */
    review: z.array(z.string().min(1)).default([]),
  }),
  /** The first page: the channel path it reaches on the receiver. */
  page: z.strictObject({
    path: z.string().regex(/^\//),
    /** The same page on the world's channel peers: each must take a message naming the incident (PagerDuty: its trigger). */
    peers: z.array(peerPage).default([]),
  }),
  /** Nobody acknowledges: the policy's next level pages at this minute after the first page. */
  escalation: z.strictObject({
    /** The policy step that pages next (as the timeline numbers it: `step 2: paged …`). */
    step: z.number().int().min(2).optional(),
    /** The policy has no further step for this severity: nobody else may be paged within `after_minutes`. */
    none: z.boolean().default(false),
    after_minutes: z.number().min(0),
    /** The receiver path the next level's channel reaches, when it has one. */
    path: z.string().regex(/^\//).optional(),
    /** The person the next level pages, as the incident's timeline names them. */
    to: z.string().min(1).optional(),
    /** Where the minute comes from (FILE:LINE). */
    source: z.string().min(1),
  }).refine((e) => e.none ? e.step === undefined : e.step !== undefined && (e.path !== undefined || e.to !== undefined), 'name the step and the path or person it pages, or say none: true'),
  resolution,
  /**
   * The verification window (simulated minutes): with the resolution skipped the incident must stay
   * open all through it (the negative control); after the resolution it must resolve within it.
   */
  verify_minutes: z.number().int().min(1).max(240).default(5),
});

const drill = z.strictObject({
  /** The scenario whose fault and alert the drill uses. */
  scenario: z.string().min(1),
  /** How long the window or silence lasts (simulated minutes). */
  minutes: z.number().int().min(1).max(240).default(5),
  /** Label matchers of the window or silence (default service = the system): what it holds, never every incident. */
  matchers: z.array(z.strictObject({ label: z.string().min(1), value: z.string().min(1) })).optional(),
});

/** One recovery test of the system (gameday.yaml `recovery:`). */
const recoveryTest = z.strictObject({
  /** The procedure whose `recovery_test` objective (ops.yaml) the restore is measured against. */
  procedure: z.string().regex(/^[^#\s]+#[^#\s]+$/),
  /**
   * `pg_dump` (default): a `pg_dump -Fc` of the world's database restored into a scratch database.
   * `point_in_time`: the private cluster's base backup (pg_basebackup) plus the WAL its
   * archive_command archived, recovered to a target time in a scratch cluster (needs `postgres: { archive: true }`).
   */
  method: z.enum(['pg_dump', 'point_in_time']).default('pg_dump'),
  /** pg_dump: simulated minutes of writes between the backup and the loss (what the restore cannot have); default 3. */
  writes_for_minutes: z.number().int().min(1).max(1440).optional(),
}).refine((r) => r.method === 'pg_dump' || r.writes_for_minutes === undefined, {
  path: ['writes_for_minutes'],
  message: 'writes_for_minutes is for method: pg_dump (a point-in-time restore writes on in real time up to its target)',
});

const isRecord = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

export const gameDaySpecSchema = z.strictObject({
  system: z.string().min(1),
  seed: z.string().min(1),
  /** The stand-in program, relative to the directory; run as its own process with STANDIN_* env. */
  standin: z.string().default('standin.ts'),
  /** Serve HTTPS with certificates the game day makes (a healthy one, and one expiring in 10 days). */
  tls: z.boolean().default(false),
  /** Backup files written into GAMEDAY_BACKUP_DIR, fresh, before the daemon starts. */
  backups: z.array(z.string().regex(/^[^/\\]+$/, 'a file name, no directories')).default([]),
  /**
   * The system's backup jobs that report to a heartbeat check: each a real pg_dump of the world's
   * database into its backup directory, then a POST to the check's heartbeat URL, run by the world at
   * the start and every `every` of simulated time (a `backup_job: stopped` fault stops one).
   */
  backup_jobs: z.array(z.strictObject({
    /** The heartbeat check (kind: heartbeat) the job reports to. */
    heartbeat: z.string().min(1),
    every: duration({ min: '1m' }),
    /** The dump's name before `_<UTC time>.dump`; a name no file check of the system reads, unless it should. */
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a file name, no directories'),
  })).default([]),
  /** Real Celery workers and one beat on the world's Redis (`${GAMEDAY_CELERY_BROKER}`). */
  celery: z.strictObject({
    default_queue: z.string().min(1).default('celery'),
    workers: z.array(z.strictObject({ name: z.string().regex(/^[a-z0-9-]+$/), queues: z.array(z.string().min(1)).min(1) })).min(1),
    /** The seed's periodic task names; beat sends each every `beat_period` of real time. */
    beat_tasks: z.array(z.string().min(1)).default([]),
    beat_period: z.string().regex(/^\d+(ms|s)$/).default('1s'),
    /**
     * How long the world's loopback workers get to answer an inspect broadcast
     * (`${GAMEDAY_CELERY_REPLY_WINDOW}`); they answer in milliseconds, and every check run waits
     * the whole window in real time.
     */
    reply_window: z.string().regex(/^\d+(ms|s)$/).default('300ms'),
  }).optional(),
  /**
   * The world's database on a private PostgreSQL cluster (own loopback port, small max_connections,
   * so connection faults exhaust it), with a pg_basebackup streaming replica (`${GAMEDAY_PG_REPLICA_URL}`)
   * when asked. Without it the database is made on the shared server.
   */
  postgres: z.strictObject({
    max_connections: z.number().int().min(8).max(500).default(20),
    replica: z.boolean().default(false),
    /** WAL archiving on (archive_mode, archive_command copying into `${GAMEDAY_WAL_ARCHIVE_DIR}`), for the `archive_failing` fault. */
    archive: z.boolean().default(false),
    /**
     * The primary and the replica behind loopback addresses that stay put (`${GAMEDAY_PG_URL}`,
     * `${GAMEDAY_PG_REPLICA_URL}`), for the `primary_down` fault: promoting the replica re-points the
     * primary's address, as the runbook's change of the application's database host does. Needs `replica`.
     */
    failover: z.boolean().default(false),
    /** The database's name, as the runbook's SQL names it (`WHERE datname = 'apex'`); the cluster is private, so no other run shares it. */
    database: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a plain database name (a-z, 0-9, _)').optional(),
  }).refine((p) => !p.failover || p.replica, 'failover needs a replica to promote (replica: true)').optional(),
  /**
   * The application's users: `requests` real GET requests to `path` every `every` of simulated time,
   * from the world to the stand-in (through the socket in front of it), so the application's own
   * request counters move with simulated time and a ratio of them is the ratio of responses it sent.
   */
  traffic: z.strictObject({
    path: z.string().regex(/^\/[^\s]*$/, 'a path such as /api/items'),
    requests: z.number().int().min(1).max(20).default(3),
    every: duration({ min: '1s', max: '5m' }).prefault('5s'),
  }).optional(),
  /** A MongoDB replica-set primary played by a loopback wire-protocol responder (`${GAMEDAY_MONGO_URL}`). */
  mongodb: z.boolean().default(false),
  scenarios: z.array(scenario).min(1),
  /** A maintenance window opened while a scenario's fault is on: the page waits for its end. */
  maintenance: drill,
  /** A silence over a scenario's fault: no page at all while it lasts. */
  silence: drill,
  /**
   * The system's recovery tests, one or a list, each measured against its procedure's objective: a
   * real backup restored into a scratch database (`pg_dump`), or the private cluster's base backup
   * and archived WAL recovered to a target time in a scratch cluster (`point_in_time`).
   */
  recovery: z.preprocess((v) => (isRecord(v) ? [v] : v), z.array(recoveryTest).min(1)),
}).superRefine((spec, ctx) => {
  spec.recovery.forEach((r, i) => {
    if (r.method === 'point_in_time' && !spec.postgres?.archive) {
      ctx.addIssue({ code: 'custom', path: ['recovery', i, 'method'], message: 'point_in_time restores the archived WAL of the world\'s cluster: it needs postgres: { archive: true }' });
    }
  });
});

export type GameDaySpec = z.output<typeof gameDaySpecSchema>;
export type Scenario = GameDaySpec['scenarios'][number];
export type CommandExpectation = z.output<typeof commandExpectation>;
export type Resolution = z.output<typeof resolution>;
export type Drill = z.output<typeof drill>;
export type RecoveryTestSpec = z.output<typeof recoveryTest>;

export const SPEC_FILE = 'gameday.yaml';

/** Reads `<dir>/gameday.yaml`; a malformed file is an error naming the file, line and path. */
export async function loadGameDaySpec(dir: string): Promise<GameDaySpec> {
  const file = join(dir, SPEC_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `cannot read ${file}: ${(e as Error).message}`, { location: { file } });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `${file} is not valid YAML: ${describeYamlError(err)}`, { location: { file, line: err.linePos?.[0]?.line } });
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (e) {
    // Parsed, yet not convertible: an alias naming no anchor set before it (or an alias bomb).
    let line: number | undefined;
    visit(doc, { Alias: (_key, node) => ((line = node.range ? lines.linePos(node.range[0]).line : undefined), visit.BREAK) });
    throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `${file} is not valid YAML: ${(e as Error).message}`, { location: { file, ...(line !== undefined ? { line } : {}) } });
  }
  const parsed = gameDaySpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // A single recovery test written as a map is checked as a list of one: its place is the map's.
    const single = isRecord(raw) && isRecord((raw as Record<string, unknown>).recovery) && issue.path[0] === 'recovery' && issue.path[1] === 0;
    const issuePath = single ? ['recovery', ...issue.path.slice(2)] : issue.path;
    const path = issuePath.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `${issue.message} → at ${path}`, { location: { file, path, line: lineOf(doc, lines, issuePath) } });
  }
  return parsed.data;
}

function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lines.linePos(node.range[0]).line;
    if (n === 0 && isMap(doc.contents) && doc.contents.range) return lines.linePos(doc.contents.range[0]).line;
  }
  return undefined;
}
