import type { OpsConfig } from '../../config/index.js';
import { renderReview, SeverityLadder, type IncidentService, type ReviewStep, type ReviewVersion } from '../../incidents/index.js';
import type { Store } from '../../store/index.js';

export interface ReviewDocument {
  markdown: string;
  /** The saved version shown; absent for the generated draft. */
  saved?: ReviewVersion;
}

/** The generated draft: impact, timeline, steps run with outputs, response times against target, action items. */
export async function reviewDraft(store: Store, config: OpsConfig, incidents: IncidentService, id: string): Promise<string> {
  const incident = await incidents.get(id);
  const ladder = new SeverityLadder(config.severities.length ? config.severities : undefined);
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
    ...(severity?.response.kind === 'duration' ? { responseTargetMs: severity.response.ms } : {}),
  });
}

/** The review as people wrote it (the latest saved version), else the generated draft: the web editor and the CLI show the same. */
export async function reviewDocument(store: Store, config: OpsConfig, incidents: IncidentService, id: string): Promise<ReviewDocument> {
  const [latest] = await incidents.reviews(id);
  if (latest) return { markdown: latest.body, saved: latest };
  return { markdown: await reviewDraft(store, config, incidents, id) };
}
