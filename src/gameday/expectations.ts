import type { CommandReport } from './diagnosis.js';
import type { Scenario } from './spec.js';

/**
 * What the scenario says the diagnosis must show: named read commands ran and printed what the fault
 * implies; named commands came back not runnable with their reason; every read command aimed at the
 * stand-in world ran (none was skipped or refused).
 */
export function checkDiagnosis(expect: Scenario['expect'], commands: readonly CommandReport[]): string[] {
  const failures: string[] = [];
  const find = (piece: string): CommandReport | undefined => commands.find((c) => c.text.includes(piece));
  for (const want of expect.ran) {
    const c = find(want.command);
    if (!c) {
      failures.push(`the procedure has no ${expect.phases.join('/')} command "${want.command}"`);
      continue;
    }
    if (c.outcome !== want.status) {
      failures.push(`"${want.command}" should have run and ended ${want.status}: ${c.outcome}${c.why ? ` (${c.why})` : ''}${c.output ? `: ${firstLine(c.output)}` : ''}`);
      continue;
    }
    if (want.output && !new RegExp(want.output, 'm').test(c.output ?? '')) failures.push(`"${want.command}" printed ${JSON.stringify(firstLine(c.output ?? ''))}, expected /${want.output}/`);
  }
  for (const want of expect.not_runnable) {
    const c = find(want.command);
    if (!c) {
      failures.push(`the procedure has no ${expect.phases.join('/')} command "${want.command}"`);
      continue;
    }
    if (c.outcome !== 'not_runnable') failures.push(`"${want.command}" should be reported not runnable here, was ${c.outcome}`);
    else if (!c.why) failures.push(`"${want.command}" is not runnable but no reason was given`);
    else if (want.why && !c.why.includes(want.why)) failures.push(`"${want.command}" not runnable because "${c.why}", expected a reason naming "${want.why}"`);
  }
  return failures;
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim()) ?? '';
}
