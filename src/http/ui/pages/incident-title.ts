import { MAX_TITLE_CHARS, type Incident } from '../../../incidents/index.js';
import type { Session } from '../../sessions/index.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { forTheWeb } from '../web-words.js';
import type { Refusal } from '../refusal.js';

/**
 * The incident page's form giving the incident a title of a person's own (as `POST /api/incidents/ID/title`
 * and `opsbook incident title` do): a worse alert joining never replaces it. A refused title comes back
 * in the form (after the redirect that answered it) with why and what was typed, the field named and
 * marked, so a screen reader hears it with the field; a refusal of the form that is not the title's
 * (a team that restricts changes) is said in the form without marking the field.
 */
export function titleForm(incident: Incident, session: Session | undefined, refusal?: Refusal): Html {
  const typed = refusal?.kept.title;
  const fieldAtFault = refusal?.field === 'title';
  const described = fieldAtFault ? 'retitle-problem retitle-help' : 'retitle-help';
  return html`<form class="retitle card" method="post" action="/incidents/${encodeURIComponent(incident.id)}/title" aria-labelledby="h-retitle" data-live="incidenttitleform:${incident.id}">
<h2 id="h-retitle">Title</h2>
${csrfField(session)}
${refusal ? html`<p class="notice error" role="alert" id="retitle-problem">${fieldAtFault ? 'Title' : refusal.action}: ${forTheWeb(refusal.message)}${refusal.dropped?.includes('title') ? ' (what you typed was too long to bring back here)' : ''}</p>` : ''}
<p><label for="incident-title">New title</label>
<input id="incident-title" name="title" value="${typed ?? incident.title}" required maxlength="${MAX_TITLE_CHARS}" autocomplete="off" aria-describedby="${described}"${fieldAtFault ? html` aria-invalid="true"` : ''}>
<button type="submit">Change title</button></p>
<p class="muted" id="retitle-help">Up to ${MAX_TITLE_CHARS} characters. A title given here stays when a worse alert joins the incident; the timeline records the change.</p>
</form>`;
}
