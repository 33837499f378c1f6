import { buildRules, checkInfoFromConfig, seriesKey } from '../alerts/index.js';
import { formatIssue, type OpsConfig } from '../config/index.js';
import { loadOpsConfig } from '../daemon/config.js';
import type { RuleGroupSpec } from '../alerts/rule-files/index.js';
import { isOpsbookError, OpsbookError } from '../lib/errors/index.js';
import { checkAlerts, checkIncidents, checkNotifications, formatOffset } from './expectations.js';
import { invalid, readTestFile, type IncidentAction, type PathSegment, type TestCase, type TestFile } from './format.js';
import { Simulation, type Snapshot } from './simulation.js';
import { expandNumbers, expandSeries, NotationError, type Step } from './values.js';

export interface TestOutcome {
  name: string;
  /** One line per unmet expectation or failed action; empty when the test passed. */
  failures: string[];
}

export interface FileOutcome {
  file: string;
  tests: TestOutcome[];
  /** The file could not be run at all (bad input, config rejected); located. */
  error?: OpsbookError;
}

export interface RunOptions {
  /** Variables for `${VAR}` in the config under test; default process.env. */
  env?: Record<string, string | undefined>;
  /** Only tests whose name matches run. */
  filter?: RegExp;
}

type Input =
  | { kind: 'step'; check: string; step: Step; latencyMs: number | undefined }
  | { kind: 'alert'; alert: { rule: string; status: 'firing' | 'resolved'; severity: string; labels: Record<string, string>; summary?: string; dedupKey: string } }
  | { kind: 'action'; action: IncidentAction; incident: string; as: string; note?: string };

/** A test ready to run: its inputs by offset, in the order they apply within an instant. */
interface Plan {
  test: TestCase;
  start: number;
  inputs: Map<number, Input[]>;
  /** Offsets to observe: every input and expectation instant, and a minute grid for hints. */
  instants: number[];
}

const MAX_GRID_POINTS = 2000;

/** Runs every test of one file; never throws for bad input (the outcome carries the located error). */
export async function runTestFile(file: string, options: RunOptions = {}): Promise<FileOutcome> {
  try {
    const tf = await readTestFile(file);
    const loaded = await loadOpsConfig(tf.configPath, { env: options.env ?? process.env });
    if (!loaded.ok) {
      const lines = loaded.issues.map((i) => `  ${formatIssue(i)}`).join('\n');
      throw new OpsbookError('OPSBOOK_E_CONFIG_INVALID', `the config under test (${tf.data.config}) has ${loaded.issues.length} problem(s):\n${lines}`, {
        location: { file, line: tf.lineOf(['config']) ?? 1, path: 'config' },
      });
    }
    const plans = tf.data.tests.map((test, i) => plan(tf, loaded.config, test, i));
    const tests: TestOutcome[] = [];
    for (const p of plans) {
      if (options.filter && !options.filter.test(p.test.name)) continue;
      tests.push({ name: p.test.name, failures: await runPlan(p, loaded.config, loaded.baseDir, loaded.ruleGroups) });
    }
    return { file, tests };
  } catch (e) {
    if (isOpsbookError(e)) return { file, tests: [], error: e };
    throw e;
  }
}

/** Checks every reference against the config and expands the series; problems are located. */
function plan(tf: TestFile, config: OpsConfig, test: TestCase, index: number): Plan {
  const at = (...path: PathSegment[]): [number | undefined, PathSegment[]] => {
    const full = ['tests', index, ...path];
    return [tf.lineOf(full), full];
  };
  const fail = (message: string, ...path: PathSegment[]): never => {
    const [line, full] = at(...path);
    throw invalid(tf.file, line, full, message);
  };
  const known = (what: string, id: string, ids: string[], ...path: PathSegment[]): void => {
    if (!ids.includes(id)) fail(`unknown ${what} "${id}" (the config has: ${ids.length > 0 ? ids.join(', ') : 'none'})`, ...path);
  };
  const checks = config.checks.map((c) => c.id);
  const users = config.users.map((u) => u.name);
  const severities = config.severities.map((s) => s.id);
  const channels = config.channels.map((c) => c.id);
  const rules = buildRules([...checkInfoFromConfig(config.checks).values()], config.rules).map((r) => r.id);

  const inputs = new Map<number, Input[]>();
  const add = (offset: number, input: Input): void => {
    inputs.set(offset, [...(inputs.get(offset) ?? []), input]);
  };
  // Within one instant: series results first, then outside alerts, then what people do.
  test.inputs.series.forEach((s, j) => {
    known('check', s.check, checks, 'inputs', 'series', j, 'check');
    const expand = <T>(field: 'values' | 'latency', fn: (text: string) => T): T => {
      try {
        return fn(s[field]!);
      } catch (e) {
        if (e instanceof NotationError) return fail(`${e.message} (column ${e.column + 1} of ${field})`, 'inputs', 'series', j, field);
        throw e;
      }
    };
    const steps = expand('values', expandSeries);
    const latencies = s.latency !== undefined ? expand('latency', expandNumbers) : [];
    const interval = s.interval ?? config.checks.find((c) => c.id === s.check)!.interval;
    steps.forEach((step, k) => add(s.from + k * interval, { kind: 'step', check: s.check, step, latencyMs: latencies[k] }));
  });
  test.inputs.events.forEach((e, j) => {
    known('severity', e.alert.severity, severities, 'inputs', 'events', j, 'alert', 'severity');
    add(e.at, { kind: 'alert', alert: { ...e.alert, dedupKey: seriesKey(e.alert.rule, e.alert.labels) } });
  });
  test.inputs.actions.forEach((a, j) => {
    known('user', a.as, users, 'inputs', 'actions', j, 'as');
    add(a.at, { kind: 'action', action: a.action, incident: a.incident, as: a.as, ...(a.note ? { note: a.note } : {}) });
  });

  const ex = test.expect;
  ex.alerts?.forEach((e, j) => {
    if (e.rule !== undefined) known('rule', e.rule, rules, 'expect', 'alerts', j, 'rule');
    if (!e.none && e.rule === undefined && !e.labels) fail('name the alert: rule (and labels), or write none: true for "no alert"', 'expect', 'alerts', j);
  });
  ex.incidents?.forEach((e, j) => {
    if (e.severity !== undefined) known('severity', e.severity, severities, 'expect', 'incidents', j, 'severity');
  });
  ex.notifications?.forEach((e, j) => {
    if (e.channel !== undefined) known('channel', e.channel, channels, 'expect', 'notifications', j, 'channel');
    if (e.user !== undefined) known('user', e.user, users, 'expect', 'notifications', j, 'user');
  });

  const start = Date.parse(test.start ?? tf.data.start);
  const named = [
    0,
    ...inputs.keys(),
    ...(ex.alerts ?? []).map((e) => e.at),
    ...(ex.incidents ?? []).map((e) => e.at),
    ...(ex.notifications ?? []).map((e) => e.at),
    ...(ex.none_after !== undefined ? [ex.none_after] : []),
    ...(test.duration !== undefined ? [test.duration] : []),
  ];
  const end = Math.max(...named);
  // A minute grid (coarser for long tests) gives failures their "it holds at 7m" hints.
  const step = Math.max(60_000, Math.ceil(end / MAX_GRID_POINTS / 60_000) * 60_000);
  const grid: number[] = [];
  for (let t = 0; t <= end; t += step) grid.push(t);
  const instants = [...new Set([...named, ...grid])].sort((a, b) => a - b);
  return { test, start, inputs, instants };
}

async function runPlan(p: Plan, config: OpsConfig, baseDir: string, ruleGroups: RuleGroupSpec[]): Promise<string[]> {
  const failures: string[] = [];
  const snapshots: Snapshot[] = [];
  const sim = await Simulation.open(config, baseDir, p.start, ruleGroups);
  let notifications;
  try {
    for (const offset of p.instants) {
      const now = p.start + offset;
      await sim.advanceTo(now);
      for (const input of p.inputs.get(offset) ?? []) {
        const problem = await apply(sim, input);
        if (problem) failures.push(`at ${formatOffset(offset)}: ${problem}`);
      }
      await sim.advanceTo(now);
      snapshots.push({ ...(await sim.snapshot()), at: offset });
    }
    notifications = (await sim.notifications()).map((n) => ({ ...n, at: n.at - p.start }));
  } finally {
    await sim.close();
  }
  const ex = p.test.expect;
  failures.push(...checkAlerts(ex.alerts ?? [], snapshots));
  failures.push(...checkIncidents(ex.incidents ?? [], snapshots));
  failures.push(...checkNotifications(ex.notifications, ex.none_after, notifications));
  return failures;
}

/** Applies one input; returns why an action could not be done (a test failure, not a crash). */
async function apply(sim: Simulation, input: Input): Promise<string | undefined> {
  switch (input.kind) {
    case 'step':
      await sim.feed(input.check, input.step, input.latencyMs);
      return undefined;
    case 'alert':
      await sim.ingest(input.alert);
      return undefined;
    case 'action': {
      const incident = await sim.findIncident(input.incident);
      if (!incident) return `cannot ${input.action} ${input.incident}: no such incident`;
      try {
        await sim.act(incident.id, input.action, input.as, input.note);
        return undefined;
      } catch (e) {
        if (isOpsbookError(e)) return `cannot ${input.action} ${input.incident}: ${e.message}`;
        throw e;
      }
    }
  }
}
