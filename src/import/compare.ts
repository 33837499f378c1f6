import type { Item, Proposal } from './model.js';
import { bestPairing } from './assignment.js';
import { written, type Written } from './written.js';

/**
 * How much of a hand-finished config import finds by itself. An item is one thing a person had to
 * decide with a number in it: a check (its kind, what it reads and its level thresholds), a rule
 * (its check, condition and for:), a rule's severity, a severity (id and response target), an
 * escalation step (its place and timeout), a backup (a file check's max_age) and an SLO (kind,
 * objective or threshold, window). An item is found when the proposal has one with the same numbers;
 * a value the example fills from its environment (`${…}`) is not a number and matches anything.
 *
 * Given the runbooks' text, the values that decide who is woken and when — a rule's severity, a
 * severity's response target, an escalation step's timeout — count only when the runbook writes
 * them: a severity id written somewhere other than the ladder row that defines it, a duration in
 * any spelling. The others are choices made after the runbook, listed in `notCounted`; import
 * cannot read them, and must not guess a severity that pages.
 *
 * Inside a counted item, a value the runbook never writes — the metric a metrics check reads when no
 * name of it appears in the runbook, an SLO objective whose percentage it never gives — is the
 * example's own choice, like a `${…}`: the item is compared on its other numbers, and the proposal
 * must leave that value open (a `${TODO_…}`); a guessed value is not a match. Listed in `open`.
 * A plain threshold on a query that scales its value to a percentage (`100.0 * count(*) / …`) is
 * that percentage: `value > 80` there is `value > 80%` on a query returning the fraction.
 */
export interface Comparison {
  found: number;
  total: number;
  byKind: Record<string, { found: number; total: number }>;
  /** Example items the proposal does not have, as `kind: what`. */
  missing: string[];
  /** Example items holding a value the runbook does not write, as `kind: what`: not in the totals. */
  notCounted: string[];
  /**
   * Values inside a counted item that the example chose and the runbook does not write (a metric it
   * never names, an objective it never gives), as `kind: what`. The item is compared on its other
   * numbers, and the proposal must leave these open (a `${TODO_…}`): a guessed value is not a match.
   */
  open: string[];
  /**
   * Example items its author marks `# not in the runbook: WHY` (an opsbook choice the runbook does not
   * state: a game-day pager, a stand-in's endpoint, a placeholder's timeout), as `kind: what — why`:
   * not in the totals. A rule on a marked check is not stated either.
   */
  notStated: string[];
}

type Entry = Record<string, unknown>;

const isVar = (v: unknown): boolean => typeof v === 'string' && v.includes('${');
/**
 * A condition as compared: placeholders alike, a percentage as the fraction opsbook compares (5% = 0.05).
 * `percent` is true for a check whose own query returns a percentage (`100.0 * count(*) / …`): a plain
 * number compared with it is then a percentage too (80 there is 80% of a fraction elsewhere).
 */
const norm = (v: unknown, percent = false): string =>
  (Array.isArray(v) ? v.map((x) => norm(x, percent)).join(' ; ') : String(v ?? ''))
    .replace(/\s+/g, ' ')
    .replace(/\[LENGTH\]|\[VALUE\]|\bvalue\b/gi, 'X')
    .replace(/(\d+(?:\.\d+)?)%/g, (_, n: string) => String(Number((Number(n) / 100).toFixed(10))))
    .replace(/([<>=]=?\s*)(\d+(?:\.\d+)?)(?![\d.%])/g, (all, op: string, n: string) => (percent ? `${op}${Number((Number(n) / 100).toFixed(10))}` : all))
    .trim();
/** A SQL check whose query scales its value to a percentage. */
const returnsPercent = (c: Entry | undefined): boolean => (c?.kind === 'postgres' || c?.kind === 'mysql') && /\b100(?:\.0*)?\s*\*|\*\s*100(?:\.0*)?\b/.test(String(c.query ?? ''));
/** The part of a URL a runbook decides: its path (the host is the environment's). */
const pathOf = (url: unknown): string => String(url ?? '').replace(/^\$\{[^}]+\}/, '').replace(/^[a-z]+:\/\/[^/]+/i, '').replace(/\/$/, '');
const durationMs = (d: unknown): number | undefined => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(String(d ?? '0'));
  if (String(d ?? '0') === '0') return 0;
  return m ? Number(m[1]) * { ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 'ms'] : undefined;
};
const sameDuration = (a: unknown, b: unknown): boolean => isVar(a) || durationMs(a) === durationMs(b);
/** Two SLO values: the same duration ("1s" = "1000ms"), the same percentage ("99.90%" = "99.9%"), or the same text. */
const sameValue = (a: unknown, b: unknown): boolean => {
  if (isVar(a) || String(a ?? '') === String(b ?? '')) return true;
  const pct = (v: unknown): number | undefined => (/^\d+(\.\d+)?%$/.test(String(v ?? '')) ? Number.parseFloat(String(v)) : undefined);
  if (pct(a) !== undefined) return pct(a) === pct(b);
  return durationMs(a) !== undefined && durationMs(a) === durationMs(b);
};
/** An SLO's window when it names none: the schema's default. */
const SLO_WINDOW = '30d';

function target(c: Entry): string {
  switch (c.kind) {
    case 'http':
    case 'json':
      return `http ${pathOf(c.url)}`;
    case 'redis':
      return `redis ${String(c.key ?? c.pattern ?? '')}`;
    case 'file':
      return `file`;
    case 'metrics':
      return `metrics ${JSON.stringify(metricSource(c) ?? '')}`;
    case 'postgres':
    case 'mysql':
      return `${String(c.kind)} ${relations(c.query)}`;
    case 'celery':
      return `celery queues ${sorted(c.queues)} beat ${sorted(c.beat_tasks)}`;
    case 'heartbeat':
      return `heartbeat every ${String(durationMs(c.period) ?? c.period)}`;
    case 'websocket':
      return `websocket ${pathOf(c.url)}`;
    default:
      return String(c.kind);
  }
}

/** What a metrics check reads, as its config writes it. */
const metricSource = (c: Entry): unknown => c.gauge ?? c.quantile ?? c.ratio ?? c.gauge_ratio ?? c.rate;
/** The metric names a metrics check reads, without their label matchers. */
function metricNames(c: Entry): string[] {
  const src = metricSource(c);
  const parts = typeof src === 'string' ? [src] : src && typeof src === 'object' ? Object.values(src as Entry).filter((v): v is string => typeof v === 'string') : [];
  return parts.map((p) => p.replace(/\{.*$/, '').trim()).filter((n) => /^[A-Za-z_:][\w:]*$/.test(n));
}
/** Words of an id, to tell apart candidates whose numbers are all alike. */
const words = (id: unknown): Set<string> => new Set(String(id ?? '').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 2));
const overlap = (a: unknown, b: unknown): number => {
  const wb = words(b);
  return [...words(a)].filter((w) => wb.has(w)).length;
};

const sorted = (v: unknown): string => (Array.isArray(v) ? v.map(String).sort().join(',') : '');
/** What a query reads: the tables and views after FROM and JOIN, or `connect` for a bare connection check. */
function relations(query: unknown): string {
  if (query === undefined) return 'connect';
  if (isVar(query)) return '${…}';
  const names = [...String(query).replace(/\bextract\s*\([^()]*\)/gi, '').matchAll(/\b(?:from|join)\s+([A-Za-z_][\w.]*)/gi)].map((m) => m[1]!.toLowerCase());
  return [...new Set(names)].sort().join(',');
}

/** `open`: the levels the example marks as its own choice; the proposal must not guess one there. */
function sameLevels(e: Entry, p: Entry, open: Set<string> = new Set()): boolean {
  return (['warning', 'critical'] as const).every((l) =>
    open.has(l) ? [p[l] ?? []].flat().length === 0 : e[l] === undefined || isVar(e[l]) || norm([e[l]].flat(), returnsPercent(e)) === norm([p[l] ?? []].flat(), returnsPercent(p)),
  );
}

/** Compares a proposal with an example config (its ops.yaml, parsed). */
export function compare(proposal: Proposal, example: Entry, runbooks?: string[], marks: Map<string, string> = new Map()): Comparison {
  const text: Written | undefined = runbooks ? written(runbooks) : undefined;
  const severityWritten = (s: unknown): boolean => !text || Object.values(severityMap(s)).every((id) => id === undefined || isVar(id) || text.namesSeverity(String(id)));
  const durationWritten = (d: unknown): boolean => !text || isVar(d) || d === 'next_business_day' || (durationMs(d) !== undefined && text.durations.has(durationMs(d)!));
  const of = (s: string): Item[] => proposal.items.filter((i) => i.section === s);
  const list = (k: string): Entry[] => (Array.isArray(example[k]) ? (example[k] as Entry[]) : []);
  const out: Comparison = { found: 0, total: 0, byKind: {}, missing: [], notCounted: [], open: [], notStated: [] };
  const count = (kind: string, ok: boolean, what: string): void => {
    const k = (out.byKind[kind] ??= { found: 0, total: 0 });
    k.total++;
    out.total++;
    if (ok) {
      k.found++;
      out.found++;
    } else out.missing.push(`${kind}: ${what}`);
  };

  // Checks (file checks are backups), and which proposed check each example check is: one proposed
  // check stands for one example check, paired so that the most example items (a check, its rules,
  // their severities) are found — in example order, an early check could take the proposed check a
  // later one needed, and of equal candidates the first would win whatever its rules lost.
  const markedCheck = (c: Entry): string | undefined => marks.get(`checks/${String(c.id)}`);
  for (const c of list('checks')) {
    const why = markedCheck(c);
    if (why !== undefined) out.notStated.push(`${c.kind === 'file' ? 'backups' : 'checks'}: ${String(c.id)} — ${why}`);
  }
  const checks = list('checks').filter((c) => markedCheck(c) === undefined);
  const proposedChecks = of('checks');
  const exampleCheck = new Map(checks.map((c) => [String(c.id), c]));
  const rulesOf = new Map<string, Entry[]>();
  for (const r of list('rules')) if (!marks.has(`rules/${String(r.id)}`)) rulesOf.set(String(r.check), [...(rulesOf.get(String(r.check)) ?? []), r]);
  const severityCounted = (r: Entry): boolean => r.severity !== undefined && severityWritten(r.severity) && !marks.has(`rules/${String(r.id)}/severity`);
  /** The proposed rule an example rule is, given the proposed check its check is paired with. */
  // A bound the example marks as not in the runbook: the proposal must leave it open (`value >= ${…}`).
  const openBound = (r: Entry): boolean => marks.has(`rules/${String(r.id)}/condition`);
  const sameOperator = (proposed: unknown, wanted: unknown): boolean => {
    const op = /^\s*value\s*(>=|<=|>|<|==|!=)/;
    return isVar(proposed) && op.exec(String(proposed))?.[1] === op.exec(String(wanted))?.[1] && /\$\{[^}]+\}\s*$/.test(String(proposed));
  };
  for (const r of list('rules')) if (openBound(r) && !marks.has(`rules/${String(r.id)}`)) out.open.push(`rules: ${String(r.id)} ${String(r.condition)} — ${marks.get(`rules/${String(r.id)}/condition`)!}`);
  /**
   * A level and a rule that fires on the same condition at once (no `for:`) raise the same alert:
   * "[VALUE] > 20%" as a check's warning is `value > 20%` as a rule. The example's level is found in a
   * proposed rule on the paired check, and the example's rule in the paired check's level.
   */
  const atOnce = (check: Item): Item[] => of('rules').filter((p) => p.body.check === check.id && p.body.condition !== undefined && durationMs(p.body.for ?? '0') === 0);
  const levelAsRules = (c: Entry, p: Item, l: 'warning' | 'critical'): boolean =>
    [p.body[l] ?? []].flat().length === 0 && [c[l]].flat().every((cond) => atOnce(p).some((r) => norm(r.body.condition, returnsPercent(p.body)) === norm(cond, returnsPercent(c))));
  const ruleAsLevel = (r: Entry, check: Item | undefined): { hit?: Item; severity: boolean } => {
    if (!check || r.condition === undefined || durationMs(r.for ?? '0') !== 0) return { severity: false };
    const percentE = returnsPercent(exampleCheck.get(String(r.check)));
    const level = (['warning', 'critical'] as const).find((l) => [check.body[l] ?? []].flat().length > 0 && norm([check.body[l]].flat(), returnsPercent(check.body)) === norm(r.condition, percentE));
    const levelRule = level && of('rules').find((p) => p.body.check === check.id && p.body.condition === undefined);
    if (!level || !levelRule) return { severity: false };
    return { hit: levelRule, severity: typeof r.severity === 'string' && severityMap(levelRule.body.severity)[level] === r.severity };
  };
  const ruleHit = (r: Entry, check: Item | undefined): { hit?: Item; severity: boolean } => {
    const percentE = returnsPercent(exampleCheck.get(String(r.check)));
    const percentP = returnsPercent(check?.body);
    const same = of('rules').filter(
      (p) =>
        check !== undefined &&
        p.body.check === check.id &&
        (r.condition === undefined ? p.body.condition === undefined : openBound(r) ? sameOperator(p.body.condition, r.condition) : norm(p.body.condition, percentP) === norm(r.condition, percentE)) &&
        sameDuration(r.for ?? '0', p.body.for ?? '0'),
    );
    const sameSeverity = (p: Item): boolean => JSON.stringify(severityMap(p.body.severity)) === JSON.stringify(severityMap(r.severity));
    const hit = same.find(sameSeverity) ?? same[0];
    if (!hit) return ruleAsLevel(r, check);
    return { hit, severity: sameSeverity(hit) };
  };
  interface Candidate {
    found: boolean;
    score: number;
  }
  const candidate = checks.map((c) => {
    const id = String(c.id);
    if (c.kind === 'file') return (p: Item): Candidate | undefined => (p.body.kind === 'file' && sameDuration(c.max_age, p.body.max_age) && sameDuration(c.max_oldest_age, p.body.max_oldest_age) ? { found: true, score: 0 } : undefined);
    // A metric the example fills from its environment (`gauge: ${…}`) is any metric.
    const anyMetric = c.kind === 'metrics' && isVar(metricSource(c));
    // A metric the runbook never names is the example's choice: the proposal must leave it open.
    const unnamed = c.kind === 'metrics' && !anyMetric && text !== undefined && metricNames(c).some((n) => !text.namesIdentifier(n));
    if (unnamed) out.open.push(`checks: ${id} reads ${JSON.stringify(metricSource(c))}`);
    // A level the example marks as not in the runbook is left open, like a metric the runbook never names.
    const openLevels = new Set((['warning', 'critical'] as const).filter((l) => marks.has(`checks/${id}/${l}`)));
    for (const l of openLevels) out.open.push(`checks: ${id} ${l} ${JSON.stringify(c[l])} — ${marks.get(`checks/${id}/${l}`)!}`);
    // A URL path the runbook never writes ("API read" with no endpoint) is the example's choice: the
    // proposal must leave the URL open.
    const web = c.kind === 'http' || c.kind === 'json' || c.kind === 'websocket';
    const openPath = web && text !== undefined && pathOf(c.url) !== '' && !text.namesPath(pathOf(c.url));
    if (openPath) out.open.push(`checks: ${id} path ${JSON.stringify(pathOf(c.url))}`);
    const sameWebKind = (p: Item): boolean => (c.kind === 'websocket' ? p.body.kind === 'websocket' : p.body.kind === 'http' || p.body.kind === 'json');
    // A query the example fills from its environment is any query of that kind.
    const anyQuery = (c.kind === 'postgres' || c.kind === 'mysql') && isVar(c.query);
    return (p: Item): Candidate | undefined => {
      const same =
        target(p.body) === target(c) ||
        (anyMetric && p.body.kind === 'metrics') ||
        (unnamed && p.body.kind === 'metrics' && isVar(metricSource(p.body))) ||
        (anyQuery && p.body.kind === c.kind) ||
        (openPath && sameWebKind(p) && isVar(p.body.url) && pathOf(p.body.url) === '') ||
        (c.kind === 'json' && target({ ...p.body, kind: 'http' }) === target({ ...c, kind: 'http' }));
      if (!same) return undefined;
      // Several checks on one endpoint (JSON figures of /metrics/json), or several metrics left open:
      // the one reading the same key with the same levels, then the one named in the same words.
      const score = (sameLevels(c, p.body, openLevels) ? 8 : 0) + (c.path !== undefined && p.body.path === c.path ? 4 : 0) + (c.path !== undefined && isVar(p.body.path) ? 2 : 0) + Math.min(overlap(id, p.id), 9) / 10;
      const only = (x: Entry, l: 'warning' | 'critical'): Entry => ({ ...x, [l === 'warning' ? 'critical' : 'warning']: undefined });
      const found = (['warning', 'critical'] as const).every(
        (l) => sameLevels(only(c, l), only(p.body, l), new Set(openLevels.has(l) ? [l] : [])) || (!openLevels.has(l) && c[l] !== undefined && !isVar(c[l]) && levelAsRules(c, p, l)),
      );
      return { found, score };
    };
  });
  const weight = (e: number, p: number): number | undefined => {
    const c = candidate[e]!(proposedChecks[p]!);
    if (!c) return undefined;
    let items = c.found ? 1 : 0;
    for (const r of rulesOf.get(String(checks[e]!.id)) ?? []) {
      const { hit, severity } = ruleHit(r, proposedChecks[p]);
      items += (hit ? 1 : 0) + (severityCounted(r) && severity ? 1 : 0);
    }
    // Items first; among pairings finding as many, the closest candidates (score < 15).
    return items * 100 + c.score;
  };
  const weights = checks.map((_, e) => proposedChecks.map((__, p) => weight(e, p)));
  const pairing = bestPairing(checks.length, proposedChecks.length, (e, p) => weights[e]![p]);
  const checkFor = new Map<string, Item>();
  checks.forEach((c, e) => {
    const p = pairing[e];
    const hit = p === undefined ? undefined : proposedChecks[p]!;
    if (hit) checkFor.set(String(c.id), hit);
    if (c.kind === 'file') count('backups', hit !== undefined, `${String(c.id)} ${c.max_oldest_age !== undefined ? `max_oldest_age ${String(c.max_oldest_age)}` : `max_age ${String(c.max_age)}`}`);
    else count('checks', hit !== undefined && candidate[e]!(hit)!.found, `${String(c.id)} (${target(c)})`);
  });

  // Rules on those checks: condition and for:; then their severities.
  for (const r of list('rules')) {
    const why = marks.get(`rules/${String(r.id)}`) ?? (marks.has(`checks/${String(r.check)}`) ? `on ${String(r.check)}, not in the runbook` : undefined);
    if (why !== undefined) {
      out.notStated.push(`rules: ${String(r.id)} — ${why}`);
      if (r.severity !== undefined && severityWritten(r.severity)) out.notStated.push(`rule severities: ${String(r.id)} ${JSON.stringify(r.severity)} — ${why}`);
      continue;
    }
    const paired = ruleHit(r, checkFor.get(String(r.check)));
    // The same alert proposed as a Prometheus rule (in the rule file opsbook evaluates) is that rule.
    const alert = paired.hit ? undefined : prometheusAlertFor(proposal, r, exampleCheck.get(String(r.check)));
    const hit = paired.hit ?? alert?.rule;
    const severity = paired.hit ? paired.severity : alert !== undefined && JSON.stringify(severityMap(alert.severity)) === JSON.stringify(severityMap(r.severity));
    count('rules', hit !== undefined, `${String(r.id)} ${String(r.condition ?? 'level')}${r.for ? ` for ${String(r.for)}` : ''}`);
    const severityWhy = marks.get(`rules/${String(r.id)}/severity`);
    if (r.severity !== undefined && severityWhy !== undefined) out.notStated.push(`rule severities: ${String(r.id)} ${JSON.stringify(r.severity)} — ${severityWhy}`);
    else if (r.severity !== undefined && !severityWritten(r.severity)) out.notCounted.push(`rule severities: ${String(r.id)} ${JSON.stringify(r.severity)}`);
    else if (r.severity !== undefined) count('rule severities', severity, `${String(r.id)} ${JSON.stringify(r.severity)}`);
  }

  for (const s of list('severities')) {
    const why = marks.get(`severities/${String(s.id)}`);
    if (why !== undefined) {
      out.notStated.push(`severities: ${String(s.id)} response ${String(s.response)} — ${why}`);
      continue;
    }
    const hit = of('severities').find((p) => p.body.id === s.id);
    if (!durationWritten(s.response)) {
      out.notCounted.push(`severities: ${String(s.id)} response ${String(s.response)}`);
      continue;
    }
    count('severities', hit !== undefined && (isVar(s.response) || String(hit.body.response) === String(s.response) || sameDuration(s.response, hit.body.response)), `${String(s.id)} response ${String(s.response)}`);
  }

  for (const policy of list('escalation_policies')) {
    const steps = Array.isArray(policy.steps) ? (policy.steps as Entry[]) : [];
    steps.forEach((step, i) => {
      // A step with no timeout is the last one: nothing timed to compare.
      if (step.timeout === undefined) return;
      const why = marks.get(`escalation_policies/${String(policy.id)}/steps/${i + 1}`);
      if (why !== undefined) {
        out.notStated.push(`escalation steps: ${String(policy.id)} step ${i + 1} timeout ${String(step.timeout)} — ${why}`);
        return;
      }
      if (!durationWritten(step.timeout)) {
        out.notCounted.push(`escalation steps: ${String(policy.id)} step ${i + 1} timeout ${String(step.timeout)}`);
        return;
      }
      const hit = of('escalation_policies').some((p) => {
        const ps = (p.body.steps as Entry[] | undefined)?.[i];
        return ps !== undefined && sameDuration(step.timeout, ps.timeout);
      });
      count('escalation steps', hit, `${String(policy.id)} step ${i + 1} timeout ${String(step.timeout)}`);
    });
  }

  for (const s of list('slos')) {
    const why = marks.get(`slos/${String(s.id)}`);
    if (why !== undefined) {
      out.notStated.push(`slos: ${String(s.id)} — ${why}`);
      continue;
    }
    const numbers = (b: Entry): unknown[] => [b.kind, b.objective, b.threshold, b.percentile, b.target, b.window ?? SLO_WINDOW];
    // An objective the runbook never writes ("99%" for a "< 10ms" SLA) is the example's choice.
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(String(s.objective ?? ''));
    const openObjective = text !== undefined && pct !== null && !text.percentages.has(Number(pct[1]));
    if (openObjective) out.open.push(`slos: ${String(s.id)} objective ${String(s.objective)}`);
    const hit = of('slos').some((p) => {
      const have = numbers(p.body);
      return numbers(s).every((w, i) => sameValue(w, have[i]) || (i === 1 && openObjective && isVar(have[i])));
    });
    count('slos', hit, `${String(s.id)} ${numbers(s).filter((v) => v !== undefined && v !== '').map(String).join(' ')}`);
  }
  return out;
}

/**
 * A proposed Prometheus alerting rule that is the example's rule on a metrics check: its expression
 * reads what the check reads (a ratio's two series, a histogram's quantile, a gauge) and compares it
 * with the rule's bound, held as long (`for:`).
 */
function prometheusAlertFor(proposal: Proposal, r: Entry, check: Entry | undefined): { rule: Record<string, unknown>; severity: unknown } | undefined {
  if (check?.kind !== 'metrics' || typeof r.condition !== 'string') return undefined;
  const flat = (x: unknown): string => String(x ?? '').replace(/\s+/g, '');
  const reads = (left: string): boolean => {
    const ratio = check.ratio as Entry | undefined;
    const quantile = check.quantile as Entry | undefined;
    if (ratio) {
      const of = flat(ratio.of);
      const over = flat(ratio.over);
      const at = left.indexOf(of);
      const slash = left.indexOf('/', at + of.length);
      const rest = slash < 0 ? '' : left.slice(slash);
      return at >= 0 && slash >= 0 && (rest.includes(`${over}[`) || rest.includes(`${over})`) || rest.endsWith(over));
    }
    if (quantile) return new RegExp(`^histogram_quantile\\(${String(quantile.q).replace('.', '\\.')},.*\\b${flat(quantile.histogram)}_bucket\\b`).test(left);
    return typeof check.gauge === 'string' && left === flat(check.gauge);
  };
  for (const p of proposal.prometheusRules) {
    if (p.leftOut !== undefined || typeof p.rule.alert !== 'string') continue;
    const m = /^(.*?)(>=|<=|>|<)([\d.]+)$/.exec(flat(p.rule.expr));
    if (!m || !reads(m[1]!)) continue;
    if (norm(`value ${m[2]!} ${m[3]!}`) !== norm(r.condition) || !sameDuration(r.for ?? '0', p.rule.for ?? '0')) continue;
    return { rule: p.rule, severity: (p.rule.labels as Entry | undefined)?.severity };
  }
  return undefined;
}

function severityMap(s: unknown): { warning?: string; critical?: string } {
  if (typeof s === 'string') return { warning: s, critical: s };
  return (s as { warning?: string; critical?: string } | undefined) ?? {};
}

/** `found/total (pct%)`, then one line per kind. */
export function formatComparison(name: string, c: Comparison): string {
  const pct = (f: number, t: number): string => (t === 0 ? '—' : `${Math.round((f / t) * 100)}%`);
  const lines = [
    `${name}: ${c.found}/${c.total} items found with correct numbers (${pct(c.found, c.total)})`,
    `  counted: every item of the example${c.notCounted.length + c.notStated.length > 0 ? ' but those below as not counted or not stated by the runbook' : ''}`,
  ];
  for (const [kind, k] of Object.entries(c.byKind)) lines.push(`  ${kind}: ${k.found}/${k.total}`);
  if (c.notCounted.length > 0) lines.push(`  not counted (a severity or a paging time the runbook does not write): ${c.notCounted.length}`);
  if (c.notStated.length > 0) lines.push(`  not stated by the runbook (marked \`# not in the runbook:\` in the example): ${c.notStated.length}`);
  if (c.open.length > 0) lines.push(`  left open (a value inside an item the runbook does not write; the proposal must not guess it): ${c.open.length}`);
  return lines.join('\n');
}
