import { effectBadge } from '../components.js';
import { html } from '../html.js';
import { page } from '../layout.js';
import { renderProcedure } from '../procedure.js';
import type { UiRoute } from '../route.js';
import { NO_PROCEDURE_WHY, type Effect } from '../../../runbooks/index.js';

const RANK: Record<Effect, number> = { read: 0, unknown: 1, write: 2, destructive: 3 };
const worst = (effects: Effect[]): Effect | undefined => effects.reduce<Effect | undefined>((a, b) => (a === undefined || RANK[b] > RANK[a] ? b : a), undefined);

// Said as `opsbook runbook lint` and `runbook show` say it.
const noProcedure = html`<p class="notice">No procedure found: ${NO_PROCEDURE_WHY}.</p>`;

export function runbookRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/runbooks',
      access: 'viewer',
      summary: 'Runbooks named by runbooks:, with their procedures.',
      handler: async ({ daemon, session }) => {
        // The runbooks of the running config, as its load read and validated them: what runs.
        const runbooks = daemon.runbooks;
        return page(daemon, {
          title: 'Runbooks',
          session,
          nav: 'runbooks',
          body: html`
${runbooks.length === 0 ? html`<p>No runbooks configured. List markdown files under <code>runbooks:</code> in ops.yaml.</p>` : ''}
${runbooks.map(
  (rb) => html`<section class="card">
  <h2><a href="/runbooks/view?file=${encodeURIComponent(rb.file)}">${rb.title}</a></h2>
  <p class="muted">${rb.file} · ${rb.procedures.length} procedures · ${rb.blocks.length} code blocks</p>
  ${rb.procedures.length === 0 ? noProcedure : ''}
  <ul class="procedures">${rb.procedures.map((p) => {
    const effect = worst(p.phases.flatMap((ph) => ph.steps.flatMap((s) => s.blocks.map((b) => b.effect))));
    return html`<li><a href="/runbooks/view?file=${encodeURIComponent(rb.file)}#proc-${p.id}">${p.id !== p.title ? `${p.id} ` : ''}${p.title}</a> ${effect ? effectBadge(effect) : ''}</li>`;
  })}</ul>
</section>`,
)}`,
        });
      },
    },
    {
      method: 'GET',
      url: '/runbooks/view',
      access: 'viewer',
      summary: 'One runbook: every procedure with phases and annotated steps.',
      handler: async ({ daemon, session, query, reply }) => {
        const rb = daemon.runbooks.find((r) => r.file === query.file);
        if (!rb) {
          void reply.status(404);
          return page(daemon, { title: 'Runbook not found', session, nav: 'runbooks', body: html`<p>No runbook <code>${query.file ?? ''}</code> is configured. <a href="/runbooks">All runbooks</a></p>` });
        }
        return page(daemon, {
          title: rb.title,
          session,
          nav: 'runbooks',
          body: html`<p class="muted">${rb.file}</p>
${rb.procedures.length === 0 ? noProcedure : html`<nav aria-label="Procedures" class="toc"><h2>Procedures</h2><ul>${rb.procedures.map((p) => html`<li><a href="#proc-${p.id}">${p.id !== p.title ? `${p.id} ` : ''}${p.title}</a></li>`)}</ul></nav>`}
${rb.procedures.map((p) => renderProcedure(rb, p))}`,
        });
      },
    },
  ];
}
