import type { Daemon } from '../../daemon/index.js';
import type { Actor } from '../../identity/index.js';
import type { Incident } from '../../incidents/index.js';
import { isOpsbookError } from '../../lib/errors/index.js';
import { executionsOf } from './executions.js';

const OUTPUT_LIMIT = 2_500;

/**
 * Runs the first diagnosis step of the incident's procedure that only reads and can run, as
 * `actor`, through the execution service (its safety gate, transcript, timeline and audit), and
 * says what came of it in Slack's mrkdwn. Nothing that writes is ever run from a button.
 */
export async function runDiagnosis(daemon: Daemon, incident: Incident, actor: Actor): Promise<string> {
  if (!incident.runbook) return `Incident ${incident.id} links no runbook procedure: nothing to run.`;
  try {
    const svc = executionsOf(daemon);
    const { id, plan } = await svc.start(incident.runbook, actor, { incidentId: incident.id, ...(incident.service ? { service: incident.service } : {}) });
    const step = plan.steps.find((s) => s.phase === 'diagnosis' && s.effect === 'read' && s.commands.length > 0 && s.commands.every((c) => c.runnable));
    if (!step) {
      await svc.cancel(id, actor).catch(() => undefined);
      const why = plan.steps.find((s) => s.phase === 'diagnosis' && s.effect === 'read')?.commands.find((c) => !c.runnable)?.why;
      return `${plan.title}: no diagnosis step that only reads can run from Slack${why ? ` (${why})` : ''}; open the incident to run steps.`;
    }
    const result = await svc.runStep(id, step.number, actor);
    const output = result.entries
      .map((e) => `$ ${e.text}\n${e.stdout}${e.stderr ? `\n${e.stderr}` : ''}`.trimEnd())
      .join('\n')
      .slice(0, OUTPUT_LIMIT)
      .replace(/```/g, "'''");
    return `Diagnosis step ${step.number} of ${plan.title}, run by ${actor.name}: *${result.status}*${result.reason ? ` (${result.reason})` : ''}\n\`\`\`${output}\`\`\``;
  } catch (e) {
    if (isOpsbookError(e)) return `Diagnosis could not run: ${e.message}`;
    throw e;
  }
}
