import { codeCell } from '../test/fixtures/runbooks/command-effects-cell.js';
import { COMMAND_EFFECTS, SQL_EFFECTS } from '../test/fixtures/runbooks/command-effects.js';
import { classifyCommand } from '../src/runbooks/index.js';

/** The command-effects table of docs/runbooks.md: every fixture row with the effect and reasons opsbook gives now. */
export function commandEffectsRegion(): string {
  const lines = [
    '### Command effects (from the seed runbooks)',
    '',
    'Each row is a test (`src/runbooks/classify/command-effects.test.ts`); the last rows are classic SQL',
    'statements. ` ⏎ ` separates the lines of one block.',
    '',
    '| command | effect | reason opsbook gives |',
    '|---|---|---|',
  ];
  for (const c of [...COMMAND_EFFECTS, ...SQL_EFFECTS]) {
    const r = classifyCommand(c.command, c.language ?? 'bash');
    lines.push(`| ${codeCell(c.command)} | ${r.effect} | ${r.reasons.join('; ').replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}
