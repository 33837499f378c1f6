import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpsConfig } from '../config/index.js';
import { reviewDraft, reviewTemplate, type Operations } from '../daemon/operations/index.js';
import type { Actor } from '../identity/index.js';
import type { TimelineEntry } from '../incidents/index.js';
import type { Runbook } from '../runbooks/index.js';
import type { Store } from '../store/index.js';

export interface WrittenReview {
  file: string;
  /** Timeline entries the review must carry (acknowledgement, escalation, resolution, resolve) that it lacks. */
  missing: string[];
  /** The template's sections and open items (`review.template`, with the procedure's Post-Incident items) the review lacks. */
  missingTemplate: string[];
  /** How many template items (questions and Post-Incident items) the review carries. */
  templateItems: number;
  timeline: TimelineEntry[];
  markdown: string;
}

/**
 * Moves the resolved incident to `reviewed` and writes its post-incident review (as `opsbook
 * incident review` does) into `dir`; every timeline entry and every template item must appear in it.
 */
export async function writeReview(ops: Operations, store: Store, config: OpsConfig, incidentId: string, actor: Actor, dir: string, runbooks: Runbook[]): Promise<WrittenReview> {
  await ops.act(incidentId, 'review', actor, 'post-incident review written by the game day');
  const markdown = await reviewDraft(store, config, ops.incidents, incidentId, { runbooks });
  const file = join(dir, `review-${incidentId}.md`);
  await mkdir(dir, { recursive: true });
  await writeFile(file, markdown);
  const timeline = await ops.incidents.timeline(incidentId);
  const missing = timeline.filter((t) => !markdown.includes(firstLine(t.text))).map((t) => `${t.kind}: ${firstLine(t.text)}`);
  const template = await reviewTemplate(config, await ops.incidents.get(incidentId), { runbooks });
  const missingTemplate = template.flatMap((s) => [
    ...(markdown.includes(`\n## ${s.title}\n`) ? [] : [`section "${s.title}"`]),
    ...s.items.filter((i) => !markdown.includes(`- [ ] ${i}`)).map((i) => `open item "${i}"`),
  ]);
  return { file, missing, missingTemplate, templateItems: template.reduce((n, s) => n + s.items.length, 0), timeline, markdown };
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 60);
}
