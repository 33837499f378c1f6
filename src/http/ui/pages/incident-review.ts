import { reviewDocument, reviewDraft } from '../../../daemon/operations/index.js';
import { scrollingTable, when } from '../components.js';
import { incidentReader } from '../data/incidents.js';
import { html } from '../html.js';
import { csrfField, page } from '../layout.js';
import type { UiContext, UiResult, UiRoute } from '../route.js';

/** The review editor: markdown seeded with the generated draft, saved as numbered versions, one of them published. */
async function reviewPage(ctx: UiContext): Promise<UiResult> {
  const { daemon, session, params, query } = ctx;
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
    body: html`<p><a href="/incidents/${encodeURIComponent(incident.id)}">Back to the incident</a> · ${doc.saved ? html`Version ${doc.saved.version}, saved by ${doc.saved.savedBy} ${when(doc.saved.savedAt)}${doc.saved.publishedAt !== undefined ? html` — <strong>published</strong>` : ''}` : html`Generated draft (not saved yet)`}
${published ? html` · Published: version ${published.version} ${when(published.publishedAt)} by ${published.publishedBy}` : ''}</p>
${canEdit
  ? html`<form method="post" action="${self}" class="card review-editor">${csrfField(session)}
<p><label for="review-body">Review (markdown)</label></p>
<textarea id="review-body" name="body" rows="28" required>${doc.markdown}</textarea>
<p><button type="submit" name="publish" value="">Save version</button> <button type="submit" name="publish" value="yes">Save and publish</button>
 <a href="${self}?draft=1">Start again from the generated draft</a></p>
</form>`
  : html`<pre class="card"><code>${doc.markdown}</code></pre>`}
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
      handler: async ({ daemon, params, form, actor }) => {
        const id = params.id ?? '';
        const saved = await incidentReader(daemon).saveReview(id, form.body ?? '', actor!, { publish: form.publish === 'yes' });
        return { redirect: `/incidents/${encodeURIComponent(id)}/review?version=${saved.version}` };
      },
    },
  ];
}
