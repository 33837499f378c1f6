import type { Approval, TranscriptEntry } from '../../executions/index.js';
import type { Effect } from '../../runbooks/index.js';
import { effectBadge, when } from './components.js';
import { html, type Html } from './html.js';
import { forTheWeb } from './web-words.js';

/**
 * A runbook execution's transcript as the web UI shows it, on the incident page (its newest
 * executions) and on the execution's own page.
 */

/** Where the web UI shows one execution whole, whatever incident it belongs to, or none. */
export function executionPath(id: string): string {
  return `/executions/${encodeURIComponent(id)}`;
}

/** The element id of one transcript entry on a page (the timeline's step lines link to it). */
export function entryAnchor(entryId: string): string {
  return `entry-${entryId}`;
}

/** Where the whole of an entry's stream is read as plain text (the transcript row keeps its first 64 KiB). */
export function entryOutputPath(entry: Pick<TranscriptEntry, 'executionId' | 'id'>, stream: 'stdout' | 'stderr'): string {
  return `${executionPath(entry.executionId)}/entries/${encodeURIComponent(entry.id)}/${stream}`;
}

/** Who let a command run, in words: a read needs nobody, a write a "yes", a destructive step its target's name. */
function approvalText(approval: Approval | null): string {
  if (!approval) return '';
  if (approval.how === 'read') return '';
  if (approval.how === 'pre_approved') return ', pre-approved in the settings';
  return `, confirmed by ${approval.by}${approval.how === 'confirmed' ? ' (typed the target)' : ''}`;
}

const bytes = (n: number): string => n.toLocaleString('en-US');

/** What the transcript row kept of a stream cut at record time (its first 64 KiB), and the way to the whole of it. */
function cutNote(t: TranscriptEntry, stream: 'stdout' | 'stderr'): Html {
  const total = stream === 'stdout' ? t.stdoutBytes : t.stderrBytes;
  const kept = Buffer.byteLength(t[stream]);
  if (total <= kept) return html``;
  const name = stream === 'stdout' ? 'Output' : 'Errors';
  return html`<p class="notice cut">${name} cut when recorded: the transcript keeps the first ${bytes(kept)} of ${bytes(total)} bytes, shown here; <a href="${entryOutputPath(t, stream)}" type="text/plain">the whole ${stream === 'stdout' ? 'output' : 'error output'}</a> as opsbook kept it (up to 16 MiB).</p>`;
}

/** One transcript entry: the command as it ran, how it ended, who ran or ticked it, when, how long, its output. */
export function transcriptEntry(t: TranscriptEntry): Html {
  const ran = t.kind === 'command';
  return html`<li class="entry entry-${t.status}" id="${entryAnchor(t.id)}" data-step="${t.step}">
<p>Step ${t.step}${ran ? `.${t.command}` : ''} ${t.effect ? effectBadge(t.effect as Effect) : ''} <code>${t.text}</code> — <strong>${t.status}</strong>${t.exitCode !== null ? ` (exit ${t.exitCode})` : ''} by ${t.actor}${approvalText(t.approval)} ${when(t.at)}${t.durationMs !== null ? ` in ${t.durationMs} ms` : ''}${typeof t.data.why === 'string' && t.data.why ? html`<br><span class="reason">${forTheWeb(t.data.why)}</span>` : ''}</p>
${t.stdout ? html`<pre class="stdout" tabindex="0" aria-label="Output of step ${t.step}"><code>${t.stdout}</code></pre>` : ''}
${t.truncated ? cutNote(t, 'stdout') : ''}
${t.stderr ? html`<pre class="stderr" tabindex="0" aria-label="Errors of step ${t.step}"><code>${t.stderr}</code></pre>` : ''}
${t.truncated ? cutNote(t, 'stderr') : ''}
</li>`;
}

/** Entries in the order they were written. */
export function transcriptList(entries: readonly TranscriptEntry[]): Html {
  return html`<ol class="transcript">${entries.map(transcriptEntry)}</ol>`;
}
