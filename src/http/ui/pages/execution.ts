import { createHash } from 'node:crypto';
import type { Daemon } from '../../../daemon/index.js';
import type { ExecutionEnding, ExecutionSummary, Plan, PlannedCommand, PlannedStep, TranscriptEntry } from '../../../executions/index.js';
import { isOpsbookError } from '../../../lib/errors/index.js';
import { maskWritten } from '../../../lib/secrets.js';
import { runbookViewPath } from '../../../runbooks/index.js';
import { effectBadge, when, whenSecond } from '../components.js';
import { executionsFor } from '../data/executions.js';
import { incidentReader } from '../data/incidents.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import { mayWriteFor } from '../../../identity/index.js';
import type { Session } from '../../sessions/index.js';
import type { UiContext, UiResult, UiRoute } from '../route.js';
import { executionPath, transcriptList } from '../transcript.js';
import { notFoundPage } from './error.js';
import { findProcedureIn } from './procedure-ref.js';
import { endingLabel, executionControls, finishOrCancel } from './execution-controls.js';
import { refusalNotice } from '../refusal.js';

type Execution = ExecutionSummary & { plan: Plan };

function notFound(ctx: UiContext, what: Html): UiResult {
  void ctx.reply.status(404);
  return notFoundPage(ctx.daemon, ctx.session, 'execution', what, ctx.refusal ? refusalNotice(ctx.refusal) : undefined);
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

/** How it ended and who ended it (the audit log's Finish or Cancel), or when, for a run ended another way. */
function endedLine(e: Execution, ending: ExecutionEnding | undefined): Html {
  if (e.state === 'running') return html`still running`;
  if (!ending) return html`ended ${when(e.finishedAt)}`;
  return html`${ending.how} by <strong data-ended-by>${ending.by}</strong> at ${whenSecond(ending.at)}`;
}

function facts(daemon: Daemon, e: Execution, ending: ExecutionEnding | undefined, incident: Html): Html {
  const configured = findProcedureIn(daemon.runbooks, e.procedure) !== undefined;
  return html`<ul class="facts">
<li>Execution <code>${e.id}</code></li>
<li>Procedure: <a href="${runbookViewPath(e.procedure)}">${e.procedure}</a>${configured ? '' : html` <span class="muted">(not among the configured runbooks now)</span>`}</li>
${incident}
${e.service ? html`<li>Service: <strong>${e.service}</strong></li>` : ''}
<li>State: <span class="istate istate-${e.state}" data-execution-state="${e.state}">${e.state}</span></li>
<li>Started by <strong>${e.startedBy}</strong>${e.trigger === 'cron' ? ' (on its schedule)' : ''} ${when(e.startedAt)} · ${endedLine(e, ending)}</li>
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

/**
 * What a page shows of the execution now, and a mark of it: the page sends its mark when it subscribes
 * to live updates, and gets fresh parts at once when the execution changed in between.
 */
export function executionMark(e: Pick<ExecutionSummary, 'state'>, entries: readonly TranscriptEntry[]): string {
  const seen = [e.state, ...entries.map((t) => `${t.id}:${t.status}:${t.stdoutBytes}:${t.stderrBytes}`)].join('|');
  return createHash('sha256').update(seen).digest('hex').slice(0, 16);
}

/** The head of the page: facts, who ended it, and Finish and Cancel while it runs for a person who may (`controls`). */
function executionHead(daemon: Daemon, e: Execution, entries: readonly TranscriptEntry[], ending: ExecutionEnding | undefined, incident: Html, controls: { session: Session | undefined } | undefined): Html {
  return html`<div class="card execution-head" data-live="execution:${e.id}" data-live-mark="${executionMark(e, entries)}">
${facts(daemon, e, ending, incident)}
${controls && e.state === 'running' ? executionControls(executionPath(e.id), controls.session) : ''}
</div>`;
}

/** Every step of the plan with what was recorded of it, then entries of no step of the plan. */
function executionSteps(e: Execution, entries: readonly TranscriptEntry[]): Html {
  const numbers = new Set(e.plan.steps.map((s) => s.number));
  const others = entries.filter((t) => !numbers.has(t.step));
  return html`<section class="card" aria-labelledby="h-steps" data-live="executionsteps:${e.id}">
<h2 id="h-steps">Steps</h2>
<ol class="exec-steps">${e.plan.steps.map((s) => stepItem(s, entries.filter((t) => t.step === s.number)))}</ol>
${others.length ? html`<h3>Other entries</h3>${transcriptList(others)}` : ''}
</section>`;
}

/** The parts of an execution's page that change, as live updates send them: one head with controls, one without. */
export interface ExecutionParts {
  mark: string;
  head: Html;
  readOnlyHead: Html;
  steps: Html;
}

/** The execution's changing parts now, or undefined when no execution has that id. */
export async function executionParts(daemon: Daemon, id: string): Promise<ExecutionParts | undefined> {
  const e = await findExecution(daemon, id);
  if (!e) return undefined;
  const svc = await executionsFor(daemon);
  const [entries, ending, incident] = await Promise.all([svc.transcript(e.id), svc.endedBy(e.id), incidentLink(daemon, e.incidentId)]);
  return {
    mark: executionMark(e, entries),
    // Shared renderings carry no session: the page's script puts its own CSRF token in the form.
    head: executionHead(daemon, e, entries, ending, incident, { session: undefined }),
    readOnlyHead: executionHead(daemon, e, entries, ending, incident, undefined),
    steps: executionSteps(e, entries),
  };
}

/** Why a Finish or Cancel changed nothing: who ended the execution first, how and when. */
function refusal(action: string, e: Execution, ending: ExecutionEnding | undefined): Html {
  const pressed = action === 'cancel' ? 'Cancel' : 'Finish';
  const who = ending ? html`${ending.by === 'system:incident' ? 'opsbook (its incident resolved)' : ending.by} ${ending.how} it at ${whenSecond(ending.at)}` : html`it ended ${when(e.finishedAt)}`;
  return html`<p class="notice warning" role="alert" id="execution-refused">${pressed} changed nothing: this execution had already ended — ${who}; it is <strong>${e.state}</strong>.</p>`;
}

/** The page of one execution; `refused`, after a Finish or Cancel that came too late, says who came first. */
async function renderExecution(ctx: UiContext, e: Execution, refused?: string): Promise<UiResult> {
  const { daemon, session } = ctx;
  const svc = await executionsFor(daemon);
  const [entries, ending, incident] = await Promise.all([svc.transcript(e.id), svc.endedBy(e.id), incidentLink(daemon, e.incidentId)]);
  // The incident page's rule: a team that restricts writes shows the buttons only to its members (and admins).
  const mayAct = ctx.actor!.role !== 'viewer' && mayWriteFor(daemon.config.teams, ctx.actor!, e.service ?? undefined).ok;
  return page(daemon, {
    title: e.title,
    session,
    nav: 'executions',
    live: true,
    body: html`<div class="execution-page"${mayAct ? '' : html` data-read-only`}>
${refused ? refusal(refused, e, ending) : ''}
${ctx.refusal ? refusalNotice(ctx.refusal) : ''}
${executionHead(daemon, e, entries, ending, incident, mayAct ? { session } : undefined)}
${executionSteps(e, entries)}
</div>`,
  });
}

async function executionPage(ctx: UiContext): Promise<UiResult> {
  const id = ctx.params.id ?? '';
  const e = await findExecution(ctx.daemon, id);
  if (!e) return notFound(ctx, html`execution <code>${id}</code>`);
  // After a Finish or Cancel that came too late (see refusedEndingPath): who came first, once it has ended.
  const refused = ctx.query.refused === 'finish' || ctx.query.refused === 'cancel' ? ctx.query.refused : undefined;
  return renderExecution(ctx, e, e.state === 'running' ? undefined : refused);
}

/** The whole of one stream of one transcript entry, as plain text: what the page cut at 64 KiB. */
async function entryOutput(ctx: UiContext): Promise<UiResult> {
  const { daemon, params, reply } = ctx;
  const stream = params.stream;
  const svc = await executionsFor(daemon);
  // One entry is read, not the transcript: an execution of many long steps holds megabytes of output.
  const entry = stream === 'stdout' || stream === 'stderr' ? await svc.entry(params.id ?? '', params.entry ?? '') : undefined;
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

/**
 * Where a Finish or Cancel that came after the execution ended leads: its page as it is now, saying who
 * ended it and when, rather than a bare refusal. Both Finish forms, the incident page's and the
 * execution page's, lead there (a redirect: a reload shows the page, it does not post again).
 */
export function refusedEndingPath(id: string, action: string): string {
  return `${executionPath(id)}?refused=${action === 'cancel' ? 'cancel' : 'finish'}`;
}

/** Finish or Cancel from the execution's page, whatever incident it belongs to, or none. */
async function postExecution(ctx: UiContext): Promise<UiResult> {
  const svc = await executionsFor(ctx.daemon);
  const execution = await svc.get(ctx.params.id ?? '');
  if (!(await finishOrCancel(ctx, svc, execution))) return { redirect: refusedEndingPath(execution.id, ctx.form.action ?? '') };
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
      refusals: ({ params, form }) => ({ page: executionPath(params.id ?? ''), form: 'controls', action: endingLabel(form.action) }),
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
