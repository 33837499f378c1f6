import type { Daemon } from '../../../daemon/index.js';
import type { Effect, Step } from '../../../runbooks/index.js';
import { paramKey, type ExecutionService, type Plan, type PlannedStep } from '../../../executions/index.js';
import { effectBadge, when } from '../components.js';
import { executionsFor } from '../data/executions.js';
import { html, type Html } from '../html.js';
import { csrfField, page } from '../layout.js';
import type { Session } from '../../sessions/index.js';
import type { UiContext, UiResult, UiRoute } from '../route.js';
import { OpsbookError } from '../../../lib/errors/index.js';
import { forTheWeb } from '../web-words.js';
import { enforceTeamWrite } from '../../teams.js';
import { incidentReader } from '../data/incidents.js';
import { executionPath, transcriptList } from '../transcript.js';
import { endingLabel, executionControls, finishOrCancel } from './execution-controls.js';
import { refusedEndingPath } from './execution.js';
import { refuseTo, type FormPlace } from '../refusal.js';

const RANK: Record<Effect, number> = { read: 0, unknown: 1, write: 2, destructive: 3 };

function stepEffect(step: Step): Effect {
  return step.blocks.reduce<Effect>((a, b) => (RANK[b.effect] > RANK[a] ? b.effect : a), 'read');
}

function runUrl(incidentId: string): string {
  return `/incidents/${encodeURIComponent(incidentId)}/run`;
}

/** The confirmation page of one step of the incident's procedure. */
function confirmUrl(incidentId: string, procedure: string, step: number | string): string {
  return `${runUrl(incidentId)}?${new URLSearchParams({ procedure, step: String(step) })}`;
}

/**
 * Where a Run form is, for its refusals: a confirmation typed on the step's confirmation page goes
 * back there (with why, to type it again); a Run button of the incident page's runbook, to that page.
 */
function runPlace({ params, form }: Pick<UiContext, 'params' | 'form'>): FormPlace {
  const action = `Run step ${form.step ?? ''}`.trim();
  const incidentId = params.id ?? '';
  if (form.confirm !== undefined) return { page: confirmUrl(incidentId, form.procedure ?? '', form.step ?? ''), form: 'confirm', action, anchor: 'confirm-problem' };
  return { page: `/incidents/${encodeURIComponent(incidentId)}`, form: 'runbook', action };
}

/**
 * A read step runs at once; anything else first opens a confirmation page (works without
 * JavaScript) where the person types `yes`, or the target's name for a destructive step.
 */
export function runButton(incidentId: string, procedure: string, step: Step, n: number, session: Session | undefined): Html {
  const effect = stepEffect(step);
  if (effect === 'read') {
    return html`<form class="run" method="post" action="${runUrl(incidentId)}">${csrfField(session)}
<input type="hidden" name="procedure" value="${procedure}"><input type="hidden" name="step" value="${n}">
<button type="submit" aria-label="Run step ${n} (read-only)">Run step ${n}</button></form>`;
  }
  return html`<p class="run"><a class="button button-${effect}" href="${runUrl(incidentId)}?procedure=${encodeURIComponent(procedure)}&amp;step=${n}">Run step ${n}… ${effectBadge(effect)}</a></p>`;
}

/** Parameters of the step's commands that no user chose (alert labels, earlier output). */
function untrustedOf(plan: Plan, planned: PlannedStep): Plan['parameters'] {
  const used = new Set(planned.commands.flatMap((c) => c.placeholders.map(paramKey)));
  return plan.parameters.filter((p) => p.untrusted && used.has(p.name));
}

/** The confirmation page of a step; `problem`: why the confirmation typed there was refused, after the redirect that answered it. */
function confirmPage(daemon: Daemon, ctx: UiContext, incidentId: string, procedure: string, planned: PlannedStep, problem?: string, untrusted: Plan['parameters'] = []): Html {
  const destructive = planned.effect === 'destructive';
  const expected = destructive ? planned.commands.filter((c) => c.runnable && !c.skip).map((c) => c.confirmation).filter(Boolean).join(' ') : 'yes';
  return page(daemon, {
    title: `Confirm step ${planned.number}`,
    session: ctx.session,
    nav: 'incidents',
    body: html`
${problem ? html`<p class="notice error" role="alert" id="confirm-problem">${forTheWeb(problem)}</p>` : ''}
<p>${effectBadge(planned.effect)} ${planned.text}</p>
<p>These commands will run:</p>
<pre tabindex="0"><code>${planned.commands.filter((c) => !c.skip).map((c) => `${c.display}\n`)}</code></pre>
${untrusted.length > 0 ? html`<div class="notice warning" role="note" id="untrusted"><p>Untrusted values — chosen by no user here (an alert's labels, an earlier step's output). Check them before running:</p>
<ul>${untrusted.map((p) => html`<li><code>${p.name}</code> = <code>${p.shown}</code> <span class="muted">(${p.source})</span></li>`)}</ul></div>` : ''}
<form method="post" action="${runUrl(incidentId)}" class="confirm">${csrfField(ctx.session)}
<input type="hidden" name="procedure" value="${procedure}"><input type="hidden" name="step" value="${planned.number}">
<p><label for="confirm">${destructive ? html`This step is <strong>DESTRUCTIVE</strong>. Type <code>${expected}</code> to confirm` : planned.effect === 'read' ? html`This step only reads. Type <code>yes</code> to run it with the values above` : html`This step changes the system. Type <code>yes</code> to confirm`}</label>
<input id="confirm" name="confirm" required autocomplete="off"${problem ? html` aria-describedby="confirm-problem"` : ''}></p>
<p><button type="submit" class="button-${planned.effect}">Run step ${planned.number}</button> <a href="/incidents/${encodeURIComponent(incidentId)}">Cancel</a></p>
</form>`,
  });
}

async function currentExecution(daemon: Daemon, incidentId: string, procedure: string, ctx: UiContext): Promise<string> {
  const svc = await executionsFor(daemon);
  // Every running one of the incident, however many newer ones it has: never a second run beside it.
  const running = (await svc.listExecutions({ incidentId, state: 'running' })).find((e) => e.procedure.toLowerCase() === procedure.toLowerCase());
  if (running) return running.id;
  return (await svc.start(procedure, ctx.actor!, { incidentId })).id;
}

async function postRun(ctx: UiContext): Promise<UiResult> {
  const { daemon, params, form } = ctx;
  const incidentId = params.id ?? '';
  await enforceTeamWrite(daemon, ctx.request, ctx.actor!, (await incidentReader(daemon).get(incidentId)).service);
  const procedure = form.procedure ?? '';
  const step = Number(form.step);
  const svc = await executionsFor(daemon);
  if (form.confirm === undefined) {
    // A step that uses values nobody chose shows them first, even when it only reads.
    const plan = await svc.plan(procedure, { incidentId });
    const planned = plan.steps.find((s) => s.number === step);
    // Its confirmation page shows them (a redirect: a reload shows that page, it does not post again).
    if (planned && untrustedOf(plan, planned).length > 0) return { redirect: confirmUrl(incidentId, procedure, planned.number) };
  }
  const id = await currentExecution(daemon, incidentId, procedure, ctx);
  const result = await svc.runStep(id, step, ctx.actor!, form.confirm !== undefined ? { confirm: form.confirm } : {});
  if (result.status === 'refused') {
    // Shown where the confirmation is typed, again: the step's confirmation page (whichever form asked).
    const place: FormPlace = { page: confirmUrl(incidentId, procedure, step), form: 'confirm', action: `Run step ${step}`, anchor: 'confirm-problem' };
    return refuseTo(daemon, ctx.reply, ctx.session!, place, { status: 409, message: result.reason ?? 'refused' }, {});
  }
  return { redirect: await executionPlace(svc, incidentId, id) };
}

/** How many executions the incident page shows with their transcripts; the older ones are a link away. */
export const PANEL_EXECUTIONS = 100;

/**
 * Where a person who acted on one of an incident's executions reads it next: on the incident page
 * when it is among the newest it shows, else on the execution's own page (the anchor would be missing).
 */
async function executionPlace(svc: ExecutionService, incidentId: string, id: string): Promise<string> {
  const [all, older] = await Promise.all([svc.countExecutions({ incidentId }), svc.countExecutions({ incidentId, before: id })]);
  // This one and every newer one: shown when they fit on the incident page.
  return all - older <= PANEL_EXECUTIONS ? `/incidents/${encodeURIComponent(incidentId)}#exec-${encodeURIComponent(id)}` : executionPath(id);
}

/** The incident's newest executions with their transcripts inline; how many older ones it left out, with a link to them. */
export async function executionPanel(daemon: Daemon, incidentId: string, controls: { session: Session | undefined } | undefined): Promise<Html> {
  const svc = await executionsFor(daemon).catch(() => undefined);
  const executions = svc ? await svc.listExecutions({ incidentId, limit: PANEL_EXECUTIONS }) : [];
  if (!svc || executions.length === 0) return html`<div data-live="incidentexec:${incidentId}"></div>`;
  const oldestShown = executions.at(-1)!.id;
  const older = executions.length === PANEL_EXECUTIONS ? await svc.countExecutions({ incidentId, before: oldestShown }) : 0;
  const parts: Html[] = [];
  for (const e of executions) {
    const entries = await svc.transcript(e.id);
    parts.push(html`<article class="execution" id="exec-${e.id}" aria-label="Execution ${e.id}">
<h3><a href="${executionPath(e.id)}">${e.title}</a> <span class="muted">${e.procedure} · <span data-execution-state="${e.state}">${e.state}</span> · started by ${e.startedBy} ${when(e.startedAt)}</span></h3>
${controls && e.state === 'running' ? executionControls(`/incidents/${encodeURIComponent(incidentId)}/executions/${encodeURIComponent(e.id)}`, controls.session) : ''}
${transcriptList(entries)}
</article>`);
  }
  const rest = older > 0
    ? html`<p class="notice" id="executions-older">${older} older ${older === 1 ? 'execution' : 'executions'} not shown here: <a href="/executions?team=all&amp;incident=${encodeURIComponent(incidentId)}&amp;before=${encodeURIComponent(oldestShown)}">list them</a></p>`
    : '';
  return html`<section class="card" aria-labelledby="h-executions" data-live="incidentexec:${incidentId}"><h2 id="h-executions">Runbook executions</h2>${parts}${rest}</section>`;
}

export function executionRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/incidents/:id/run',
      access: 'responder',
      summary: 'Confirmation page before running a step that writes or destroys.',
      handler: async (ctx) => {
        const svc = await executionsFor(ctx.daemon);
        const plan = await svc.plan(ctx.query.procedure ?? '', { incidentId: ctx.params.id ?? '' });
        const planned = plan.steps.find((s) => s.number === Number(ctx.query.step));
        if (!planned) return { redirect: `/incidents/${encodeURIComponent(ctx.params.id ?? '')}` };
        const problem = ctx.refusal?.form === 'confirm' ? ctx.refusal.message : undefined;
        return confirmPage(ctx.daemon, ctx, ctx.params.id ?? '', ctx.query.procedure ?? '', planned, problem, untrustedOf(plan, planned));
      },
    },
    {
      method: 'POST',
      url: '/incidents/:id/executions/:execution',
      access: 'responder',
      summary: 'Finish or cancel one of the incident’s runbook executions (form).',
      refusals: ({ params, form }) => ({ page: `/incidents/${encodeURIComponent(params.id ?? '')}`, form: 'executions', action: endingLabel(form.action) }),
      handler: async (ctx) => {
        const { daemon, params } = ctx;
        const svc = await executionsFor(daemon);
        const id = params.execution ?? '';
        const execution = await svc.get(id);
        // The address names the incident: an execution of another (or of none) is not found there.
        if (execution.incidentId !== params.id) throw new OpsbookError('OPSBOOK_E_EXECUTION_NOT_FOUND', `${id} is not an execution of incident ${params.id ?? ''}`);
        if (!(await finishOrCancel(ctx, svc, execution))) return { redirect: refusedEndingPath(id, ctx.form.action ?? '') };
        return { redirect: await executionPlace(svc, params.id ?? '', id) };
      },
    },
    { method: 'POST', url: '/incidents/:id/run', access: 'responder', summary: 'Run one runbook step for an incident (form; writes need a typed confirmation).', handler: postRun, refusals: runPlace },
  ];
}
