import { MAX_TITLE_CHARS, type Incident } from '../../../incidents/index.js';
import type { Session } from '../../sessions/index.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { forTheWeb } from '../web-words.js';

/** A title the incident page refused: why, and what the person typed (shown again for them to mend). */
export interface TitleProblem {
  message: string;
  typed: string;
}

/**
 * The incident page's form giving the incident a title of a person's own (as `POST /api/incidents/ID/title`
 * and `opsbook incident title` do): a worse alert joining never replaces it. A refused title comes back
 * in the form with why, the field named and marked, so a screen reader hears it with the field.
 */
export function titleForm(incident: Incident, session: Session | undefined, problem?: TitleProblem): Html {
  const described = problem ? 'retitle-problem retitle-help' : 'retitle-help';
  return html`<form class="retitle card" method="post" action="/incidents/${encodeURIComponent(incident.id)}/title" aria-labelledby="h-retitle">
<h2 id="h-retitle">Title</h2>
${csrfField(session)}
${problem ? html`<p class="notice error" role="alert" id="retitle-problem">Title: ${forTheWeb(problem.message)}</p>` : ''}
<p><label for="incident-title">New title</label>
<input id="incident-title" name="title" value="${problem ? problem.typed : incident.title}" required maxlength="${MAX_TITLE_CHARS}" autocomplete="off" aria-describedby="${described}"${problem ? html` aria-invalid="true"` : ''}>
<button type="submit">Change title</button></p>
<p class="muted" id="retitle-help">Up to ${MAX_TITLE_CHARS} characters. A title given here stays when a worse alert joins the incident; the timeline records the change.</p>
</form>`;
}
