import type { CommandReport } from './diagnosis.js';
import type { Scenario } from './spec.js';

/**
 * What the scenario says the diagnosis must show: named read commands ran and printed a value the
 * fault produced; named commands came back not runnable with their reason; and no other read
 * command aimed at the world failed or printed nothing, unless the scenario says why (`quiet`).
 */
export function checkDiagnosis(expect: Scenario['expect'], commands: readonly CommandReport[]): string[] {
  const failures: string[] = [];
  const find = (piece: string): CommandReport | undefined => commands.find((c) => c.text.includes(piece));
  const missing = (piece: string): string => `the procedure has no ${expect.phases.join('/')} command "${piece}"`;
  const asserted = new Set<CommandReport>();
  for (const want of expect.ran) {
    const c = find(want.command);
    if (!c) {
      failures.push(missing(want.command));
      continue;
    }
    asserted.add(c);
    if (c.outcome !== want.status) {
      failures.push(`"${want.command}" should have run and ended ${want.status}: ${c.outcome}${c.why ? ` (${c.why})` : ''}${c.output ? `: ${firstLine(c.output)}` : ''}`);
      continue;
    }
    if (!c.output?.trim()) failures.push(`"${want.command}" printed nothing: no evidence`);
    else if (!new RegExp(want.output, 'm').test(c.output)) failures.push(`"${want.command}" printed ${JSON.stringify(firstLine(c.output))}, expected /${want.output}/`);
  }
  for (const want of expect.not_runnable) {
    const c = find(want.command);
    if (!c) {
      failures.push(missing(want.command));
      continue;
    }
    asserted.add(c);
    if (c.outcome !== 'not_runnable') failures.push(`"${want.command}" should be reported not runnable here, was ${c.outcome}`);
    else if (!c.why) failures.push(`"${want.command}" is not runnable but no reason was given`);
    else if (want.why && !c.why.includes(want.why)) failures.push(`"${want.command}" not runnable because "${c.why}", expected a reason naming "${want.why}"`);
  }
  for (const q of expect.quiet) {
    const c = find(q.command);
    if (!c) failures.push(missing(q.command));
    else asserted.add(c);
  }
  for (const c of commands) {
    if (asserted.has(c)) continue;
    if (c.outcome === 'failed') failures.push(`step ${c.step}.${c.command} "${oneLine(c.text)}" failed${c.output ? `: ${firstLine(c.output)}` : ''} (list it under quiet: with the reason if that is expected)`);
    else if (c.outcome === 'ok' && !c.output?.trim()) failures.push(`step ${c.step}.${c.command} "${oneLine(c.text)}" printed nothing (list it under quiet: with the reason if that is expected)`);
  }
  return failures;
}

/**
 * Evidence must be the fault's: the same commands, run again once the world is mended, no longer
 * print it. A value that outlives the fault (a header, a count that is always there) proved nothing.
 */
export function checkEvidenceGone(expect: Scenario['expect'], after: readonly CommandReport[]): string[] {
  const failures: string[] = [];
  for (const want of expect.ran) {
    if (!want.evidence) continue;
    const c = after.find((a) => a.text.includes(want.command));
    if (!c) continue;
    if (c.outcome === want.status && c.output && new RegExp(want.output, 'm').test(c.output)) {
      failures.push(`"${want.command}" still prints /${want.output}/ after the world was mended (${JSON.stringify(firstLine(c.output))}): not evidence of the fault`);
    }
  }
  return failures;
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim()) ?? '';
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}
