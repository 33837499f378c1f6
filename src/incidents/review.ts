import { responseClockStart, responseMisses, responseTargetText } from './response-target.js';
import type { Incident, IncidentAlert, Severity, TimelineEntry } from './types.js';

/** A command a responder ran, as the post-incident review shows it. */
export interface ReviewStep {
  procedure: string;
  step: string;
  command: string;
  actor: string;
  at: number;
  status: string;
  output: string;
}

/** What opsbook can answer in a template section from what it recorded. */
export type ReviewAnswer = 'detection' | 'timeline' | 'response_times' | 'steps';

/** One section of the review template (`review.template`), its runbook items already looked up. */
export interface ReviewTemplateSection {
  title: string;
  answer?: ReviewAnswer;
  /** Questions and Post-Incident items left for the responders: open items (`- [ ]`). */
  items: string[];
}

export interface ReviewInput {
  incident: Incident;
  severity: Severity | undefined;
  alerts: IncidentAlert[];
  timeline: TimelineEntry[];
  steps: ReviewStep[];
  /** Sections added after the fixed parts, in order. */
  template?: ReviewTemplateSection[];
}

function iso(ms: number | undefined): string {
  return ms === undefined ? '—' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * A span to the second (24 s, 15 min 20 s, 1 h 2 min 5 s): response targets are minutes, and a
 * figure rounded to the minute could read "15 min" beside a missed 15-minute target.
 */
function span(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const total = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const seconds = s ? ` ${s} s` : '';
  if (h) return `${h} h ${m} min${seconds}`;
  return m ? `${m} min${seconds}` : `${s} s`;
}


/**
 * The acknowledgement against the incident's own due time (which counts business hours where the
 * severity says so, and follows severity changes): met, missed and by how much, or missed with nobody
 * acknowledging. Without a due time (no calendar to read) there is nothing to judge.
 */
function responseVerdict(due: number | undefined, acknowledgedAt: number | undefined, resolvedAt: number | undefined, recordedMissed: boolean): string {
  if (due === undefined) return recordedMissed && acknowledgedAt === undefined ? ' (**missed target**: not acknowledged)' : '';
  const when = `, due ${iso(due)}`;
  if (acknowledgedAt !== undefined) return acknowledgedAt <= due ? `${when} (within target)` : `${when} (**missed target** by ${span(acknowledgedAt - due)})`;
  if (recordedMissed) return `${when} (**missed target**: not acknowledged)`;
  if (resolvedAt === undefined) return when;
  return resolvedAt <= due ? `${when} (resolved within target, not acknowledged)` : `${when} (**missed target**: not acknowledged)`;
}

const fence = (text: string): string => {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}\n${text.trimEnd()}\n${f}`;
};

/** A timeline line recording a re-opening (its alert firing again after resolution). */
const isReopening = (t: TimelineEntry): boolean => t.kind === 'status' && t.data.from === 'resolved' && t.data.to === 'triggered';

/** Where the review's times count from, in words: the opening, a re-opening, a held page's release. */
function clockStartText(incident: Incident, timeline: readonly TimelineEntry[]): string {
  const from = responseClockStart(incident);
  if (incident.responseFrom === undefined) return `the opening (${iso(from)})`;
  if (timeline.some((t) => t.at === from && isReopening(t))) return `the re-opening (${iso(from)})`;
  if (timeline.some((t) => t.at === from && t.kind === 'suppressed' && t.data.released === true)) return `the release of its held page (${iso(from)})`;
  return `its response clock started (${iso(from)})`;
}

/** The openings before the one the response times count from, each with its first resolution after it. */
function earlierOpenings(incident: Incident, timeline: readonly TimelineEntry[]): Array<{ from: number; reopened: boolean; resolvedAt?: number }> {
  const clockFrom = responseClockStart(incident);
  const starts = [{ from: incident.openedAt, reopened: false }, ...timeline.filter(isReopening).map((t) => ({ from: t.at, reopened: true }))].filter((o) => o.from < clockFrom);
  if (!starts.some((o) => o.reopened) && !timeline.some((t) => t.kind === 'status' && t.data.to === 'resolved' && t.at < clockFrom)) return [];
  return starts.map((o, i) => {
    const until = starts[i + 1]?.from ?? clockFrom;
    const resolved = timeline.find((t) => t.kind === 'status' && t.data.to === 'resolved' && t.at >= o.from && t.at < until);
    return { ...o, ...(resolved ? { resolvedAt: resolved.at } : {}) };
  });
}

/**
 * The post-incident review as markdown: summary, severity, impact window, the times to
 * acknowledge / mitigate / resolve against the severity's target, the timeline, the steps run
 * with their outputs, what went well and badly, and action items with owners and due dates
 * (seeded from notes marked `TODO:` or `follow-up:`).
 */
export function renderReview(r: ReviewInput): string {
  const { incident } = r;
  // The response times count from where the response clock started — the opening, a held page's
  // release, or the last re-opening — as the time to acknowledge and the response target do: a
  // re-opened incident's time to resolve is not the hours it spent resolved in between. The moves
  // before that instant belong to an earlier opening (listed under the table), never to this one.
  const clockFrom = responseClockStart(incident);
  const statusSince = (to: string) => r.timeline.find((t) => t.kind === 'status' && t.data.to === to && t.at >= clockFrom);
  const acknowledgement = statusSince('acknowledged');
  const acknowledgedAt = incident.acknowledgedAt ?? acknowledgement?.at;
  const mitigatedAt = statusSince('mitigated')?.at;
  const resolvedAt = incident.resolvedAt ?? statusSince('resolved')?.at;
  const impactStart = Math.min(incident.openedAt, ...r.alerts.map((a) => a.firstFiredAt));
  const impactEnd = resolvedAt ?? Math.max(...r.alerts.map((a) => a.resolvedAt ?? a.lastFiredAt), incident.updatedAt);
  const target = r.severity ? responseTargetText(r.severity) : undefined;
  const since = (at: number | undefined) => (at === undefined ? undefined : at - clockFrom);
  const ackDelay = since(acknowledgedAt);
  // The targets recorded missed as they passed (the escalation's record: it follows held pages and severity changes).
  const misses = responseMisses(r.timeline);
  const followUps = r.timeline.filter((t) => t.kind === 'note' && /^(todo|follow-?up)\s*:/i.test(t.text));

  const responseTimes = [
    '| measure | time | against target |',
    '|---|---|---|',
    `| time to acknowledge | ${span(ackDelay)} | ${target === undefined ? '—' : `${target}${responseVerdict(incident.responseDueAt, acknowledgedAt, resolvedAt, misses.length > 0)}`} |`,
    `| time to mitigate | ${span(since(mitigatedAt))} | — |`,
    `| time to resolve | ${span(since(resolvedAt))} | — |`,
    '',
    `Times count from ${clockStartText(incident, r.timeline)}, as the response target does.`,
    ...earlierOpenings(incident, r.timeline).map((o) => `- Earlier: ${o.reopened ? 're-opened' : 'opened'} ${iso(o.from)}, ${o.resolvedAt === undefined ? 'not resolved' : `resolved ${iso(o.resolvedAt)} (${span(o.resolvedAt - o.from)} to resolve)`}.`),
    ...(misses.length > 0 ? ['', ...misses.map((m) => `- Response target${m.severity ? ` of ${m.severity}` : ''} missed at ${iso(m.responseDueAt)}: not acknowledged by then.`)] : []),
  ];
  const timeline = r.timeline.map((t) => `- ${iso(t.at)} **${t.kind}** ${t.actor}: ${t.text.replace(/\n/g, ' ')}`);
  const detection = [
    ...(r.alerts.length
      ? r.alerts.map((a) => `- Detected by rule ${a.ruleId}${a.annotations.summary ? ` (${a.annotations.summary})` : ''}, firing since ${iso(a.firstFiredAt)}; the incident opened ${span(Math.max(0, incident.openedAt - a.firstFiredAt))} later.`)
      : ['- Opened by hand: no alert detected it.']),
    acknowledgedAt === undefined ? '- Not acknowledged.' : `- Acknowledged ${span(ackDelay)} after ${incident.responseFrom === undefined ? 'opening' : clockStartText(incident, r.timeline)}${acknowledgement ? ` by ${acknowledgement.actor}` : ''} (${iso(acknowledgedAt)}).`,
  ];
  const stepsRun = r.steps.length ? r.steps.map((s) => `- ${iso(s.at)} ${s.procedure} — ${s.step} by ${s.actor}: ${s.status} (\`${s.command.split('\n')[0]}\`)`) : ['- No runbook steps were run through opsbook.'];
  const answers: Record<ReviewAnswer, string[]> = { detection, timeline, response_times: responseTimes, steps: stepsRun };
  const templateSections = (r.template ?? []).flatMap((t) => [
    `## ${t.title}`,
    '',
    ...(t.answer ? [...answers[t.answer], ''] : []),
    ...(t.items.length ? [...t.items.map((i) => `- [ ] ${i.replace(/\n/g, ' ')}`), ''] : t.answer ? [] : ['- [ ] (to be written)', '']),
  ]);
  const lines = [
    `# Post-incident review: ${incident.title}`,
    '',
    `- **Incident:** ${incident.id} (${incident.state})`,
    `- **Severity:** ${incident.severity}${r.severity ? ` — ${r.severity.name}` : ''}`,
    `- **Service:** ${incident.service ?? '—'}`,
    `- **Impact window:** ${iso(impactStart)} → ${iso(impactEnd)} (${span(impactEnd - impactStart)})`,
    `- **Runbook:** ${incident.runbook ?? '—'}`,
    '',
    '## Summary',
    '',
    r.alerts.length
      ? r.alerts.map((a) => `- ${a.annotations.summary ?? a.ruleId} (${a.ruleId}; fired ${iso(a.firstFiredAt)}${a.resolvedAt ? `, resolved ${iso(a.resolvedAt)}` : ''})`).join('\n')
      : '- Opened by hand.',
    '',
    '## Response times',
    '',
    ...responseTimes,
    '',
    '## Timeline',
    '',
    ...timeline,
    '',
    '## Steps run',
    '',
    ...(r.steps.length
      ? r.steps.flatMap((s) => [`### ${s.procedure} — ${s.step}`, '', `${s.actor} at ${iso(s.at)}: ${s.status}`, '', fence(s.command), '', fence(s.output || '(no output)'), ''])
      : ['No runbook steps were run through opsbook.', '']),
    ...templateSections,
    '## What went well',
    '',
    '- ',
    '',
    '## What went badly',
    '',
    '- ',
    '',
    '## Action items',
    '',
    '| action | owner | due |',
    '|---|---|---|',
    ...(followUps.length
      ? followUps.map((f) => `| ${f.text.replace(/^(todo|follow-?up)\s*:\s*/i, '').replace(/\|/g, '\\|')} | ${f.actor} | YYYY-MM-DD |`)
      : ['| (notes starting with "follow-up:" are listed here) | | |']),
    '',
  ];
  return lines.join('\n');
}
