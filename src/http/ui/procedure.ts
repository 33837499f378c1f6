import { maskWritten } from '../../lib/secrets.js';
import type { CodeBlock, Procedure, Runbook, Step } from '../../runbooks/index.js';
import { effectBadge } from './components.js';
import { html, type Html } from './html.js';

const PHASE_LABEL: Record<string, string> = {
  symptoms: 'Symptoms',
  impact: 'Impact',
  diagnosis: 'Diagnosis',
  resolution: 'Resolution',
  verification: 'Verification',
  rollback: 'Rollback',
  prevention: 'Prevention',
  'post-incident': 'Post-incident',
  escalation: 'Escalation',
  steps: 'Steps',
};

export interface ProcedureRenderOptions {
  /** Controls shown under a step with code (the incident page's Run buttons); numbers as executions count them. */
  actions?: (step: Step, stepNumber: number) => Html | undefined;
  /** Heading level of the procedure title (default 2). */
  level?: 2 | 3;
}

function block(b: CodeBlock): Html {
  return html`<div class="block effect-border-${b.effect}">
  <p class="block-meta">${effectBadge(b.effect)} <span class="target">target: ${b.target}</span>
  ${b.placeholders.length ? html`<span class="placeholders">needs ${b.placeholders.map((p, i) => html`${i ? ', ' : ''}<code>${p}</code>`)}</span>` : ''}</p>
  ${b.reasons.length ? html`<p class="reasons">${b.reasons.join('; ')}</p>` : ''}
  <pre tabindex="0"><code>${maskWritten(b.code)}</code></pre>
</div>`;
}

/**
 * A runbook procedure: phases in order, each step with its code blocks annotated (effect, target,
 * placeholders). Credentials the runbook writes in its steps (`curl -u ops:PASSWORD`, `?token=…`)
 * are shown masked; the steps run with them as written.
 */
export function renderProcedure(rb: Runbook, p: Procedure, opts: ProcedureRenderOptions = {}): Html {
  const h = opts.level ?? 2;
  let stepNumber = 0;
  const title = html`${p.id !== p.title ? html`<span class="proc-id">${p.id}</span> ` : ''}${p.title}`;
  return html`<section class="procedure" id="proc-${p.id}" aria-labelledby="proc-${p.id}-title">
${h === 2 ? html`<h2 id="proc-${p.id}-title">${title}</h2>` : html`<h3 id="proc-${p.id}-title">${title}</h3>`}
<p class="muted">${rb.file}:${p.line}</p>
${p.phases.map(
  (ph) => html`<section class="phase phase-${ph.kind}">
  <h${h + 1} class="phase-title">${PHASE_LABEL[ph.kind] ?? ph.kind}${ph.label && ph.label.toLowerCase() !== ph.kind ? html` <span class="muted">— ${ph.label}</span>` : ''}</h${h + 1}>
  <ol class="steps">${ph.steps.map((s) => {
    const n = ++stepNumber;
    return html`<li class="step" id="proc-${p.id}-step-${n}" value="${n}">
    ${s.text ? html`<p>${maskWritten(s.text)}</p>` : ''}
    ${s.blocks.map(block)}
    ${s.blocks.length ? (opts.actions?.(s, n) ?? '') : ''}
  </li>`;
  })}</ol>
</section>`,
)}
</section>`;
}
