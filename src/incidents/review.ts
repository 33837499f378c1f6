import { responseMisses, responseTargetText } from './response-target.js';
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

/**
 * The post-incident review as markdown: summary, severity, impact window, the times to
 * acknowledge / mitigate / resolve against the severity's target, the timeline, the steps run
 * with their outputs, what went well and badly, and action items with owners and due dates
 * (seeded from notes marked `TODO:` or `follow-up:`).
 */
export function renderReview(r: ReviewInput): string {
  const { incident } = r;
  const firstStatus = (to: string) => r.timeline.find((t) => t.kind === 'status' && t.data.to === to)?.at;
  const acknowledgedAt = incident.acknowledgedAt ?? firstStatus('acknowledged');
  const mitigatedAt = firstStatus('mitigated');
  const resolvedAt = incident.resolvedAt ?? firstStatus('resolved');
  const impactStart = Math.min(incident.openedAt, ...r.alerts.map((a) => a.firstFiredAt));
  const impactEnd = resolvedAt ?? Math.max(...r.alerts.map((a) => a.resolvedAt ?? a.lastFiredAt), incident.updatedAt);
  const target = r.severity ? responseTargetText(r.severity) : undefined;
  // The response clock starts at the opening, or where a held page went out or the incident re-opened.
  const clockFrom = incident.responseFrom ?? incident.openedAt;
  const ackDelay = acknowledgedAt === undefined ? undefined : acknowledgedAt - clockFrom;
  // The targets recorded missed as they passed (the escalation's record: it follows held pages and severity changes).
  const misses = responseMisses(r.timeline);
  const followUps = r.timeline.filter((t) => t.kind === 'note' && /^(todo|follow-?up)\s*:/i.test(t.text));

  const responseTimes = [
    '| measure | time | against target |',
    '|---|---|---|',
    `| time to acknowledge | ${span(ackDelay)} | ${target === undefined ? '—' : `${target}${responseVerdict(incident.responseDueAt, acknowledgedAt, resolvedAt, misses.length > 0)}`} |`,
    `| time to mitigate | ${span(mitigatedAt === undefined ? undefined : mitigatedAt - incident.openedAt)} | — |`,
    `| time to resolve | ${span(resolvedAt === undefined ? undefined : resolvedAt - incident.openedAt)} | — |`,
    ...(misses.length > 0 ? ['', ...misses.map((m) => `- Response target${m.severity ? ` of ${m.severity}` : ''} missed at ${iso(m.responseDueAt)}: not acknowledged by then.`)] : []),
  ];
  const timeline = r.timeline.map((t) => `- ${iso(t.at)} **${t.kind}** ${t.actor}: ${t.text.replace(/\n/g, ' ')}`);
  const acknowledgement = r.timeline.find((t) => t.kind === 'status' && t.data.to === 'acknowledged');
  const detection = [
    ...(r.alerts.length
      ? r.alerts.map((a) => `- Detected by rule ${a.ruleId}${a.annotations.summary ? ` (${a.annotations.summary})` : ''}, firing since ${iso(a.firstFiredAt)}; the incident opened ${span(Math.max(0, incident.openedAt - a.firstFiredAt))} later.`)
      : ['- Opened by hand: no alert detected it.']),
    acknowledgedAt === undefined ? '- Not acknowledged.' : `- Acknowledged ${span(ackDelay)} after ${incident.responseFrom === undefined ? 'opening' : `its response clock started (${iso(clockFrom)})`}${acknowledgement ? ` by ${acknowledgement.actor}` : ''} (${iso(acknowledgedAt)}).`,
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
