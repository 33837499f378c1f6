import type { Daemon } from '../../../daemon/index.js';
import type { ExecutionSummary, Plan, PlannedCommand, PlannedStep, TranscriptEntry } from '../../../executions/index.js';
import { isOpsbookError } from '../../../lib/errors/index.js';
import { maskWritten } from '../../../lib/secrets.js';
import { runbookViewPath } from '../../../runbooks/index.js';
import { effectBadge, when } from '../components.js';
import { executionsFor } from '../data/executions.js';
import { incidentReader } from '../data/incidents.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import { mayWriteFor } from '../../../identity/index.js';
import type { UiContext, UiResult, UiRoute } from '../route.js';
import { executionPath, transcriptList } from '../transcript.js';
import { findProcedureIn } from './procedure-ref.js';
import { executionControls, finishOrCancel } from './executions.js';

type Execution = ExecutionSummary & { plan: Plan };

function notFound(ctx: UiContext, what: Html): UiResult {
  void ctx.reply.status(404);
  return page(ctx.daemon, { title: 'Execution not found', session: ctx.session, nav: 'executions', body: html`<p>No ${what}. <a href="/executions?team=all">All executions</a></p>` });
}

/** The execution, or undefined when no execution has that id (a store that fails is the store's error). */
async function findExecution(daemon: Daemon, id: string): Promise<Execution | undefined> {
  const svc = await executionsFor(daemon);
  try {
    return await svc.get(id);
  } catch (e) {
    if (isOpsbookError(e) && e.code === 'OPSBOOK_E_EXECUTION_NOT_FOUND') return undefined;
    throw e;
  }
}

async function incidentLink(daemon: Daemon, incidentId: string | null): Promise<Html> {
  if (!incidentId) return html`<li>No incident: run on its own</li>`;
  const incident = await incidentReader(daemon).get(incidentId).catch(() => undefined);
  return html`<li>Incident: <a href="/incidents/${encodeURIComponent(incidentId)}">${incident?.title ?? incidentId}</a></li>`;
}

function facts(daemon: Daemon, e: Execution, incident: Html): Html {
  const configured = findProcedureIn(daemon.runbooks, e.procedure) !== undefined;
  return html`<ul class="facts">
<li>Execution <code>${e.id}</code></li>
<li>Procedure: <a href="${runbookViewPath(e.procedure)}">${e.procedure}</a>${configured ? '' : html` <span class="muted">(not among the configured runbooks now)</span>`}</li>
${incident}
${e.service ? html`<li>Service: <strong>${e.service}</strong></li>` : ''}
<li>State: <span class="istate istate-${e.state}" data-execution-state="${e.state}">${e.state}</span></li>
<li>Started by <strong>${e.startedBy}</strong>${e.trigger === 'cron' ? ' (on its schedule)' : ''} ${when(e.startedAt)} · finished ${when(e.finishedAt)}</li>
</ul>
${e.plan.parameters.length
  ? html`<details class="card"><summary>Parameters (${e.plan.parameters.length})</summary><ul>${e.plan.parameters.map((p) => html`<li><code>${p.name}</code> = <code>${p.shown}</code> <span class="muted">(${p.source}${p.secret ? ', secret' : ''}${p.untrusted ? ', untrusted' : ''})</span></li>`)}</ul></details>`
  : ''}`;
}

/** A command of the plan no entry recorded: what it would have run, and why it did not. */
function unrun(c: PlannedCommand): Html {
  const why = c.skip ? 'not work of its own (opens the session the next lines use)' : c.runnable ? 'not run' : `not runnable here: ${c.why ?? ''}`;
  return html`<li class="entry entry-unrun"><p>Command ${c.number} ${effectBadge(c.effect)} — <span class="muted">${why}</span></p><pre tabindex="0"><code>${c.display}</code></pre></li>`;
}

/** One step of the plan: its number and title, then what was recorded of it, then its commands nothing recorded. */
function stepItem(step: PlannedStep, entries: readonly TranscriptEntry[]): Html {
  const ran = new Set(entries.filter((t) => t.kind === 'command').map((t) => t.command));
  const left = step.commands.filter((c) => !ran.has(c.number));
  const kind = step.manual ? `manual${step.required ? ', required' : ''}` : '';
  return html`<li class="exec-step" id="step-${step.number}" value="${step.number}">
<h3>Step ${step.number}. ${maskWritten(step.text) || '(untitled step)'} ${step.manual ? html`<span class="muted">(${kind})</span>` : effectBadge(step.effect)} <span class="muted">${step.phase}</span></h3>
${entries.length ? transcriptList(entries) : step.manual ? html`<p class="muted">Not ticked.</p>` : ''}
${left.length ? html`<ol class="transcript">${left.map(unrun)}</ol>` : ''}
</li>`;
}

async function executionPage(ctx: UiContext): Promise<UiResult> {
  const { daemon, session, params } = ctx;
  const id = params.id ?? '';
  const e = await findExecution(daemon, id);
  if (!e) return notFound(ctx, html`execution <code>${id}</code>`);
  const entries = await (await executionsFor(daemon)).transcript(e.id);
  const numbers = new Set(e.plan.steps.map((s) => s.number));
  const others = entries.filter((t) => !numbers.has(t.step));
  // The incident page's rule: a team that restricts writes shows the buttons only to its members (and admins).
  const canChange = e.state === 'running' && ctx.actor!.role !== 'viewer' && mayWriteFor(daemon.config.teams, ctx.actor!, e.service ?? undefined).ok;
  return page(daemon, {
    title: e.title,
    session,
    nav: 'executions',
    body: html`<div class="card execution-head">
${facts(daemon, e, await incidentLink(daemon, e.incidentId))}
${canChange ? executionControls(executionPath(e.id), session) : ''}
</div>
<section class="card" aria-labelledby="h-steps"><h2 id="h-steps">Steps</h2>
<ol class="exec-steps">${e.plan.steps.map((s) => stepItem(s, entries.filter((t) => t.step === s.number)))}</ol>
${others.length ? html`<h3>Other entries</h3>${transcriptList(others)}` : ''}
</section>`,
  });
}

/** The whole of one stream of one transcript entry, as plain text: what the page cut at 64 KiB. */
async function entryOutput(ctx: UiContext): Promise<UiResult> {
  const { daemon, params, reply } = ctx;
  const stream = params.stream;
  const svc = await executionsFor(daemon);
  const entry = stream === 'stdout' || stream === 'stderr' ? (await svc.transcript(params.id ?? '')).find((t) => t.id === params.entry) : undefined;
  if (!entry || (stream !== 'stdout' && stream !== 'stderr')) return notFound(ctx, html`such output of execution <code>${params.id ?? ''}</code>`);
  const text = await svc.fullOutput(entry, stream);
  void reply
    .status(200)
    .header('content-type', 'text/plain; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
    .send(text);
  return undefined;
}

/** Finish or Cancel from the execution's page, whatever incident it belongs to, or none. */
async function postExecution(ctx: UiContext): Promise<UiResult> {
  const svc = await executionsFor(ctx.daemon);
  const execution = await svc.get(ctx.params.id ?? '');
  await finishOrCancel(ctx, svc, execution);
  return { redirect: executionPath(execution.id) };
}

export function executionPageRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/executions/:id',
      access: 'viewer',
      summary: 'One runbook execution as its transcript: procedure, incident, who started it, state, every step with the command as run, who ran it, how it ended, its duration and output.',
      handler: executionPage,
    },
    {
      method: 'POST',
      url: '/executions/:id',
      access: 'responder',
      summary: 'Finish or cancel one runbook execution, with or without an incident (form).',
      handler: postExecution,
    },
    {
      method: 'GET',
      url: '/executions/:id/entries/:entry/:stream',
      access: 'viewer',
      summary: 'The whole stdout or stderr of one transcript entry as plain text (a transcript row keeps the first 64 KiB).',
      handler: entryOutput,
    },
  ];
}
