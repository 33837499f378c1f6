import { reviewDocument, reviewDraft } from '../../../daemon/operations/index.js';
import { scrollingTable, when } from '../components.js';
import { incidentReader } from '../data/incidents.js';
import { html, type Html } from '../html.js';
import { csrfField, page } from '../layout.js';
import { refusedFields, type NamedField } from '../refusal.js';
import type { UiContext, UiRoute } from '../route.js';
import { enforceTeamWrite } from '../../teams.js';

/** The editor's field a refusal may name. */
const REVIEW_FIELDS: Record<string, NamedField> = { body: { id: 'review-body', label: 'Review (markdown)' } };

/**
 * The review editor: markdown seeded with the generated draft, saved as numbered versions, one of them
 * published. `ctx.refusal`: a save refused, shown in place (see the route's `refusedInPlace`): the
 * refusal in the form, and the text as typed instead of the version or draft.
 */
async function reviewPage(ctx: UiContext): Promise<Html> {
  const { daemon, session, params, query } = ctx;
  const refused = refusedFields(ctx.refusal, REVIEW_FIELDS);
  const typed = refused.typed('body');
  const reader = incidentReader(daemon);
  const incident = await reader.get(params.id ?? '');
  const versions = await reader.reviews(incident.id);
  const shown = query.version ? versions.find((v) => String(v.version) === query.version) : undefined;
  const doc = shown ? { markdown: shown.body, saved: shown } : query.draft ? { markdown: await reviewDraft(daemon.store, daemon.config, reader, incident.id, { runbooks: daemon.runbooks }) } : await reviewDocument(daemon.store, daemon.config, reader, incident.id, { runbooks: daemon.runbooks });
  const published = versions.find((v) => v.publishedAt !== undefined);
  const canEdit = ctx.actor!.role !== 'viewer';
  const self = `/incidents/${encodeURIComponent(incident.id)}/review`;
  return page(daemon, {
    title: `Review: ${incident.title}`,
    session,
    nav: 'incidents',
    body: html`<p><a href="/incidents/${encodeURIComponent(incident.id)}">Back to the incident</a> · ${typed !== undefined ? html`Your text below, not saved` : doc.saved ? html`Version ${doc.saved.version}, saved by ${doc.saved.savedBy} ${when(doc.saved.savedAt)}${doc.saved.publishedAt !== undefined ? html` — <strong>published</strong>` : ''}` : html`Generated draft (not saved yet)`}
${published ? html` · Published: version ${published.version} ${when(published.publishedAt)} by ${published.publishedBy}` : ''}</p>
${canEdit
  ? html`<form method="post" action="${self}" class="card review-editor">${csrfField(session)}${refused.notice}
<p><label for="review-body">Review (markdown)</label></p>
<textarea id="review-body" name="body" rows="28" required${refused.mark('review-body')}>${typed ?? doc.markdown}</textarea>
<p><button type="submit" name="publish" value="">Save version</button> <button type="submit" name="publish" value="yes">Save and publish</button>
 <a href="${self}?draft=1">Start again from the generated draft</a></p>
</form>`
  : html`${refused.notice}<pre class="card"><code>${doc.markdown}</code></pre>`}
<section class="card" aria-labelledby="h-versions"><h2 id="h-versions">Versions</h2>
${versions.length
  ? scrollingTable('Versions', html`<table><thead><tr><th scope="col">Version</th><th scope="col">Saved</th><th scope="col">By</th><th scope="col">Published</th></tr></thead>
<tbody>${versions.map((v) => html`<tr><th scope="row"><a href="${self}?version=${v.version}">${v.version}</a></th><td>${when(v.savedAt)}</td><td>${v.savedBy}</td><td>${v.publishedAt !== undefined ? html`${when(v.publishedAt)} by ${v.publishedBy}` : '—'}</td></tr>`)}</tbody></table>`)
  : html`<p class="muted">Nothing saved yet.</p>`}
</section>`,
  });
}

export function incidentReviewRoutes(): UiRoute[] {
  return [
    { method: 'GET', url: '/incidents/:id/review', access: 'viewer', summary: 'The post-incident review: editor seeded with the generated draft, saved versions.', handler: reviewPage },
    {
      method: 'POST',
      url: '/incidents/:id/review',
      access: 'responder',
      summary: 'Save the review as a new version; “Save and publish” publishes it (form).',
      handler: async ({ daemon, params, form, actor, request }) => {
        const id = params.id ?? '';
        const reader = incidentReader(daemon);
        await enforceTeamWrite(daemon, request, actor!, (await reader.get(id)).service);
        const saved = await reader.saveReview(id, form.body ?? '', actor!, { publish: form.publish === 'yes' });
        return { redirect: `/incidents/${encodeURIComponent(id)}/review?version=${saved.version}` };
      },
      // A review is pages long, more than a cookie carries back: refused, the editor is shown again in place with all of it.
      refusals: ({ params, form }) => ({ page: `/incidents/${encodeURIComponent(params.id ?? '')}/review`, form: 'review', action: form.publish === 'yes' ? 'Save and publish' : 'Save version', keep: ['body'] }),
      refusedInPlace: reviewPage,
    },
  ];
}
