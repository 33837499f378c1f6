import type { ExecutionSummary, Plan, TranscriptEntry } from './types.js';

function iso(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString();
}

function fence(text: string, lang = ''): string {
  // A fence longer than any backtick run inside, so output cannot close it.
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${text.replace(/\n$/, '')}\n${f}`;
}

/**
 * The runbook as it was run: each step with what ran, who allowed it, and its output inline.
 * `full` gives the whole output of an entry whose transcript row was capped.
 */
export async function exportMarkdown(
  execution: ExecutionSummary & { plan: Plan },
  entries: readonly TranscriptEntry[],
  full: (entry: TranscriptEntry, stream: 'stdout' | 'stderr') => Promise<string>,
): Promise<string> {
  const { plan } = execution;
  const out: string[] = [
    `# ${plan.title}`,
    '',
    `| | |`,
    `|---|---|`,
    `| Procedure | \`${plan.procedure}\` |`,
    `| Execution | ${execution.id} (${execution.trigger}) |`,
    `| State | ${execution.state} |`,
    `| Service | ${execution.service ?? '—'} |`,
    `| Incident | ${execution.incidentId ?? '—'} |`,
    `| Started | ${iso(execution.startedAt)} by ${execution.startedBy} |`,
    `| Finished | ${iso(execution.finishedAt)} |`,
    '',
  ];
  if (plan.parameters.length > 0) {
    out.push('**Parameters:**', '');
    for (const p of plan.parameters) out.push(`- \`${p.name}\` = \`${p.shown}\` (${p.source}${p.secret ? ', secret' : ''})`);
    out.push('');
  }
  let phase = '';
  for (const step of plan.steps) {
    if (step.phase !== phase) {
      phase = step.phase;
      out.push(`## ${phase[0]!.toUpperCase()}${phase.slice(1)}`, '');
    }
    const mine = entries.filter((e) => e.step === step.number);
    const ticked = mine.find((e) => e.kind === 'tick');
    if (step.manual) {
      out.push(`- [${ticked ? 'x' : ' '}] **${step.number}.** ${step.text}${step.required ? ' *(required)*' : ''}${ticked ? ` — ticked by ${ticked.actor} at ${iso(ticked.at)}` : ''}`, '');
      continue;
    }
    out.push(`### ${step.number}. ${step.text || `Step ${step.number}`} (${step.effect})`, '');
    if (ticked) out.push(`Done by hand: ticked by ${ticked.actor} at ${iso(ticked.at)}.`, '');
    for (const c of step.commands) {
      // A late result (a run whose process had lost the step) is shown with the runs, never as one.
      const runs = mine.filter((e) => (e.kind === 'command' || (e.kind === 'note' && e.data.lateResultOf !== undefined)) && e.command === c.number);
      out.push(fence(c.display, c.executor === 'sql' ? 'sql' : 'bash'), '');
      if (runs.length === 0) out.push(c.runnable ? '*Not run.*' : `*Not runnable here: ${c.why ?? ''}*`, '');
      for (const r of runs) {
        const how = r.approval ? `, ${r.approval.how} by ${r.approval.by}` : '';
        const exit = r.exitCode === null ? '' : `, exit ${r.exitCode}`;
        const status = r.kind === 'note' ? `late result, not the step's (its opsbook process had lost the step): ${String(r.data.status)}` : r.status;
        out.push(`**${status}**${exit}${r.durationMs !== null ? `, ${r.durationMs} ms` : ''} — ${r.actor} at ${iso(r.at)}${how}${r.data.why ? `: ${String(r.data.why)}` : ''}`, '');
        const stdout = r.truncated ? await full(r, 'stdout') : r.stdout;
        const stderr = r.truncated ? await full(r, 'stderr') : r.stderr;
        if (stdout) out.push(fence(stdout, 'text'), '');
        if (stderr) out.push('stderr:', '', fence(stderr, 'text'), '');
      }
    }
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
