import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpsConfig } from '../config/index.js';
import type { Operations } from '../daemon/operations/index.js';
import { listExecutions, listTranscript } from '../executions/index.js';
import type { Actor } from '../identity/index.js';
import { renderReview, SeverityLadder, type ReviewStep, type TimelineEntry } from '../incidents/index.js';
import type { Store } from '../store/index.js';

export interface WrittenReview {
  file: string;
  /** Timeline entries the review must carry (acknowledgement, escalation, resolution, resolve) that it lacks. */
  missing: string[];
  timeline: TimelineEntry[];
}

/**
 * Moves the resolved incident to `reviewed` and writes its post-incident review (as `opsbook
 * incident review` does) into `dir`; every timeline entry must appear in it.
 */
export async function writeReview(ops: Operations, store: Store, config: OpsConfig, incidentId: string, actor: Actor, dir: string): Promise<WrittenReview> {
  await ops.act(incidentId, 'review', actor, 'post-incident review written by the game day');
  const incident = await ops.incidents.get(incidentId);
  const ladder = new SeverityLadder(config.severities.length ? config.severities : undefined);
  const severity = ladder.has(incident.severity) ? ladder.get(incident.severity) : undefined;
  const steps: ReviewStep[] = [];
  for (const e of await listExecutions(store, { incidentId })) {
    for (const t of await listTranscript(store, e.id)) {
      if (t.kind !== 'command') continue;
      steps.push({ procedure: e.procedure, step: `step ${t.step}.${t.command}`, command: t.text, actor: t.actor, at: t.at, status: t.status, output: [t.stdout, t.stderr].filter(Boolean).join('\n') });
    }
  }
  const timeline = await ops.incidents.timeline(incidentId);
  const markdown = renderReview({
    incident,
    severity,
    alerts: await ops.incidents.alerts(incidentId),
    timeline,
    steps,
    ...(severity?.response.kind === 'duration' ? { responseTargetMs: severity.response.ms } : {}),
  });
  const file = join(dir, `review-${incidentId}.md`);
  await writeFile(file, markdown);
  const missing = timeline.filter((t) => !markdown.includes(firstLine(t.text))).map((t) => `${t.kind}: ${firstLine(t.text)}`);
  return { file, missing, timeline };
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 60);
}
