import path from 'node:path';
import { Option } from 'commander';
import type { GameDayStore } from '../../gameday/index.js';
import type { RegisterCommands } from '../context.js';

/** `opsbook gameday DIR`: a seed system's game day — faults injected into its stand-in world, the response checked. */
export const registerGameday: RegisterCommands = (program, io) => {
  program
    .command('gameday')
    .description('Run a game day: build DIR’s stand-in world, inject each scenario’s fault, check the alert, severity, runbook, diagnosis, signed page and resolution; exit 1 on any failed expectation. Local by nature: it builds its own world and daemon on loopback.')
    .argument('<dir>', 'a system directory with ops.yaml, gameday.yaml and its stand-in (e.g. examples/nxentra)')
    .option('--json', 'print the result as JSON (progress goes to stderr)')
    .option('--pg-url <url>', 'PostgreSQL to create the game day’s database in (default OPSBOOK_GAMEDAY_PG_URL, else postgres://postgres@127.0.0.1:5432/test)')
    .option('--reviews <dir>', 'keep each scenario’s post-incident review in DIR (created if missing); by default a review is checked and goes with its world')
    .addOption(new Option('--store <kind>', 'where the daemon under test keeps its state: sqlite (in the world’s data directory) or postgres (a fresh database beside the world’s)').choices(['sqlite', 'postgres']).default('sqlite'))
    .action(async (dir: string, opts: { json?: boolean; pgUrl?: string; store: GameDayStore; reviews?: string }) => {
      const { runGameDay, formatGameDay } = await import('../../gameday/index.js');
      const say = opts.json ? io.err : io.out;
      const pgAdminUrl = opts.pgUrl ?? io.env.OPSBOOK_GAMEDAY_PG_URL;
      const result = await runGameDay(dir, {
        ...(pgAdminUrl ? { pgAdminUrl } : {}),
        store: opts.store,
        ...(opts.reviews !== undefined ? { reviewsDir: path.resolve(opts.reviews) } : {}),
        onEvent: (e) => {
          if (e.kind === 'scenario') say(`▶ ${e.scenario}: ${e.text}`);
          else if (e.kind === 'step') say(`    ${e.text}`);
          else if (e.kind === 'scenario-done') say(`  ${e.passed ? '✔' : '✘'} ${e.scenario} ${e.text}`);
          else say(e.text);
        },
      });
      if (opts.json) io.out(JSON.stringify(result, null, 2));
      else for (const line of ['', ...formatGameDay(result)]) io.out(line);
      process.exitCode = result.failed === 0 ? 0 : 1;
    });
};
