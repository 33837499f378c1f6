import type { ExecutionService } from '../../../executions/index.js';
import { isOpsbookError, OpsbookError } from '../../../lib/errors/index.js';
import { enforceTeamWrite } from '../../teams.js';
import type { Session } from '../../sessions/index.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import type { UiContext } from '../route.js';

/** Finish and Cancel of a running execution, posting to `action` (the incident page's route, or the execution page's). */
export function executionControls(action: string, session: Session | undefined): Html {
  return html`<form class="exec-controls" method="post" action="${action}">${csrfField(session)}
<button type="submit" name="action" value="finish">Finish execution</button> <button type="submit" name="action" value="cancel" class="btn-cancel">Cancel execution</button></form>`;
}

/** What the Finish or Cancel button pressed says, for its refusals. */
export function endingLabel(action: string | undefined): string {
  return action === 'cancel' ? 'Cancel execution' : action === 'finish' ? 'Finish execution' : 'That action';
}

/**
 * Finishes or cancels the execution as the form's `action` says, once the actor may write its
 * service (a team that restricts writes lets only its members and admins). Answers false when it had
 * already ended — another responder's Finish or Cancel, or its incident resolving, came first — so the
 * caller can show the execution as it is, with who ended it, instead of a bare refusal.
 */
export async function finishOrCancel(ctx: UiContext, svc: ExecutionService, execution: { id: string; service: string | null }): Promise<boolean> {
  const { daemon, request, form, actor } = ctx;
  await enforceTeamWrite(daemon, request, actor!, execution.service ?? undefined);
  if (form.action !== 'cancel' && form.action !== 'finish') throw new OpsbookError('OPSBOOK_E_USAGE', 'choose Finish or Cancel', { location: { path: 'action' } });
  try {
    if (form.action === 'cancel') await svc.cancel(execution.id, actor!);
    else await svc.finish(execution.id, actor!);
    return true;
  } catch (e) {
    if (isOpsbookError(e) && e.code === 'OPSBOOK_E_EXECUTION_STATE') return false;
    throw e;
  }
}
