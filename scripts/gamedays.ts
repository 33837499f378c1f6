/**
 * `npm run gamedays`: every seed system's game day in turn, with progress as it goes and a summary
 * table at the end. Exit 1 when any scenario of any system failed.
 *
 *   npm run gamedays                          # all five, opsbook's store on SQLite
 *   npm run gamedays -- --store postgres      # the same with opsbook's store on PostgreSQL
 *   npm run gamedays -- nxentra apex          # some
 */
import type { GameDayResult } from '../src/gameday/index.js';
import { distProblem } from '../bin/dist.js';

// The game days run the compiled dist/, the code that ships.
const problem = distProblem();
if (problem) {
  process.stderr.write(`✖ ${problem}\n`);
  process.exit(2);
}
const { formatGameDay, formatSummary, runGameDay } = (await import('../dist/gameday/index.js')) as typeof import('../src/gameday/index.js');

const SYSTEMS = ['nxentra', 'novapulse', 'django-finance', 'library', 'apex'];
const args = process.argv.slice(2);
const storeAt = args.indexOf('--store');
const store = storeAt >= 0 ? args.splice(storeAt, 2)[1] : 'sqlite';
if (store !== 'sqlite' && store !== 'postgres') {
  process.stderr.write(`--store must be sqlite or postgres (got "${store ?? ''}")\n`);
  process.exit(2);
}
const only = args;
const unknown = only.filter((s) => !SYSTEMS.includes(s));
if (unknown.length > 0) {
  process.stderr.write(`unknown system ${unknown.join(', ')}: one of ${SYSTEMS.join(', ')}\n`);
  process.exit(2);
}
const systems = only.length > 0 ? SYSTEMS.filter((s) => only.includes(s)) : SYSTEMS;
const tty = Boolean(process.stdout.isTTY);
const results: GameDayResult[] = [];
let broken = 0;

for (const [n, system] of systems.entries()) {
  process.stdout.write(`\n[${n + 1}/${systems.length}] ${system}\n`);
  try {
    const result = await runGameDay(`examples/${system}`, {
      store,
      ...(process.env.OPSBOOK_GAMEDAY_PG_URL ? { pgAdminUrl: process.env.OPSBOOK_GAMEDAY_PG_URL } : {}),
      onEvent: (e) => {
        if (e.kind === 'scenario') process.stdout.write(`  ▶ ${e.scenario} … ${tty ? '' : '\n'}`);
        else if (e.kind === 'scenario-done') process.stdout.write(`${tty ? '' : `  ${e.scenario} `}${e.passed ? '✔' : '✘'} ${e.text}\n`);
        else if (e.kind !== 'step') process.stdout.write(`  ${e.text}\n`);
      },
    });
    results.push(result);
    if (result.failed > 0) process.stdout.write(`${formatGameDay(result).join('\n')}\n`);
  } catch (e) {
    broken += 1;
    process.stdout.write(`  ✘ ${system}: ${(e as Error).message}\n`);
  }
}

process.stdout.write(`\n${formatSummary(results).join('\n')}\n`);
const failed = results.reduce((n, r) => n + r.failed, 0) + broken;
const scenarios = results.reduce((n, r) => n + r.scenarios.length, 0);
process.stdout.write(`\ngame days (opsbook's store on ${store === 'postgres' ? 'PostgreSQL' : 'SQLite'}): ${scenarios - results.reduce((n, r) => n + r.scenarios.filter((s) => !s.passed).length, 0)} scenarios passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
