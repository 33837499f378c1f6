import type { OpsConfig } from '../../config/index.js';
import { configuredLadder, renderReview, type Incident, type IncidentService, type ReviewStep, type ReviewTemplateSection, type ReviewVersion } from '../../incidents/index.js';
import type { Runbook } from '../../runbooks/index.js';
import type { Store } from '../../store/index.js';

export interface ReviewDocument {
  markdown: string;
  /** The saved version shown; absent for the generated draft. */
  saved?: ReviewVersion;
}

/** Where the review template's runbook items come from: the runbooks the config load read (none: no items). */
export interface ReviewRunbooks {
  runbooks?: Runbook[];
}

/** The Post-Incident items of the incident's runbook procedure (every post-incident phase, in order). */
async function postIncidentItems(incident: Incident, source: ReviewRunbooks): Promise<string[]> {
  if (!incident.runbook) return [];
  const { findProcedure } = await import('../../runbooks/index.js');
  const match = findProcedure(source.runbooks ?? [], incident.runbook);
  return (match?.procedure.phases ?? []).filter((p) => p.kind === 'post-incident').flatMap((p) => p.steps.map((s) => s.text));
}

/** `review.template` with each section's runbook items looked up for this incident. */
export async function reviewTemplate(config: OpsConfig, incident: Incident, source: ReviewRunbooks = {}): Promise<ReviewTemplateSection[]> {
  const sections = config.review.template;
  const fromRunbook = sections.some((s) => s.from_runbook) ? await postIncidentItems(incident, source) : [];
  return sections.map((s) => ({ title: s.section, ...(s.answer ? { answer: s.answer } : {}), items: [...s.questions, ...(s.from_runbook ? fromRunbook : [])] }));
}

/** The generated draft: impact, timeline, steps run with outputs, response times against target, the template's sections, action items. */
export async function reviewDraft(store: Store, config: OpsConfig, incidents: IncidentService, id: string, source: ReviewRunbooks = {}): Promise<string> {
  const incident = await incidents.get(id);
  const ladder = configuredLadder(config.severities);
  const severity = ladder.has(incident.severity) ? ladder.get(incident.severity) : undefined;
  const steps: ReviewStep[] = [];
  const { listExecutions, listTranscript } = await import('../../executions/index.js');
  for (const e of await listExecutions(store, { incidentId: id })) {
    for (const t of await listTranscript(store, e.id)) {
      if (t.kind !== 'command') continue;
      steps.push({ procedure: e.procedure, step: `step ${t.step}.${t.command}`, command: t.text, actor: t.actor, at: t.at, status: t.status, output: [t.stdout, t.stderr].filter(Boolean).join('\n') });
    }
  }
  return renderReview({
    incident,
    severity,
    alerts: await incidents.alerts(id),
    timeline: await incidents.timeline(id),
    steps,
    template: await reviewTemplate(config, incident, source),
  });
}

/** The review as people wrote it (the latest saved version), else the generated draft: the web editor and the CLI show the same. */
export async function reviewDocument(store: Store, config: OpsConfig, incidents: IncidentService, id: string, source: ReviewRunbooks = {}): Promise<ReviewDocument> {
  const [latest] = await incidents.reviews(id);
  if (latest) return { markdown: latest.body, saved: latest };
  return { markdown: await reviewDraft(store, config, incidents, id, source) };
}
