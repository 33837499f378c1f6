/**
 * `npm run gamedays`: every seed system's game day, the five worlds at once (each its own database,
 * redis-server, stand-in, daemon and simulated clock), then per scenario ✔/✘ with its negative
 * control, per system the drills and recovery test, and the time of each. Exit 1 when anything failed.
 *
 *   npm run gamedays                          # all five, opsbook's store on SQLite
 *   npm run gamedays -- --store postgres      # the same with opsbook's store on PostgreSQL
 *   npm run gamedays -- --store split         # every scenario once, half of them on each store (each system's drills on one)
 *   npm run gamedays -- --store split --split-offset 1  # the other half on each store
 *   npm run gamedays -- nxentra apex          # some
 *   npm run gamedays -- --serial              # one world per system, one system after the other
 *   npm run gamedays -- --jobs 8 --per-world 2  # worlds at once, scenarios per world (default 1)
 *   npm run gamedays -- apex --scenario minio-full  # one scenario (repeatable), no drills
 *   npm run gamedays -- apex --drills         # only the drills: maintenance window, silence, recovery tests
 *   npm run gamedays -- --timings             # also, per system, the real seconds of each part summed over its worlds
 *
 * By default each system is cut into parts, each in a world of its own (src/gameday/parts.ts): each
 * scenario in a fresh world (no scenario sees what another left) and the drills in another, `--jobs` worlds at once,
 * the longest first (src/gameday/schedule.ts): by the seconds each part took at the last run, recorded in
 * node_modules/.cache/opsbook/gameday-seconds.json (OPSBOOK_GAMEDAY_SECONDS_FILE), else by an estimate from the spec.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { distProblem } from '../bin/dist.js';

// The game days run the compiled dist/, the code that ships; plain JavaScript, so nothing is compiled at
// start (tsx's loader would stand in front of every module of dist/ loaded: seconds of CPU per run).
const problem = distProblem();
if (problem) {
  process.stderr.write(`✖ ${problem}\n`);
  process.exit(2);
}
/** @type {typeof import('../src/gameday/index.js')} */
const { DRILLS, formatGameDay, formatScenarioLines, formatSummary, readRecordedSeconds, runGameDay, runGameDays, writeRecordedSeconds } = await import('../dist/gameday/index.js');

const SYSTEMS = ['nxentra', 'novapulse', 'django-finance', 'library', 'apex'];
const args = process.argv.slice(2);
const storeAt = args.indexOf('--store');
const store = storeAt >= 0 ? args.splice(storeAt, 2)[1] : 'sqlite';
if (store !== 'sqlite' && store !== 'postgres' && store !== 'split') {
  process.stderr.write(`--store must be sqlite, postgres or split (got "${store ?? ''}")\n`);
  process.exit(2);
}
const offsetAt = args.indexOf('--split-offset');
const offsetArg = offsetAt >= 0 ? args.splice(offsetAt, 2)[1] : undefined;
if (offsetArg !== undefined && (store !== 'split' || (offsetArg !== '0' && offsetArg !== '1'))) {
  process.stderr.write(`--split-offset takes 0 or 1, with --store split (got "${offsetArg}"${store === 'split' ? '' : ` with --store ${store}`})\n`);
  process.exit(2);
}
/** @type {0 | 1 | undefined} With --store split: which half of each system's scenarios runs on SQLite (the rest on PostgreSQL). */
const split = store === 'split' ? (offsetArg === '1' ? 1 : 0) : undefined;
const serialAt = args.indexOf('--serial');
const serial = serialAt >= 0 && args.splice(serialAt, 1).length > 0;
if (serial && split !== undefined) {
  process.stderr.write('--serial runs each system whole on one store: use --store sqlite or postgres with it, not split\n');
  process.exit(2);
}
const timingsAt = args.indexOf('--timings');
const timings = timingsAt >= 0 && args.splice(timingsAt, 1).length > 0;
const drillsAt = args.indexOf('--drills');
const drillsOnly = drillsAt >= 0 && args.splice(drillsAt, 1).length > 0;
const verboseAt = args.indexOf('--verbose');
const verbose = verboseAt >= 0 && args.splice(verboseAt, 1).length > 0;
/** @param {string} flag @param {number} fallback @returns {number} */
const numberArg = (flag, fallback) => {
  const at = args.indexOf(flag);
  if (at < 0) return fallback;
  const n = Number(args.splice(at, 2)[1]);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`${flag} must be a whole number of at least 1\n`);
    process.exit(2);
  }
  return n;
};
const jobs = numberArg('--jobs', Number(process.env.OPSBOOK_GAMEDAY_JOBS ?? 8));
const perWorld = numberArg('--per-world', 1);
/** @type {string[]} */
const scenarioIds = [];
for (let at = args.indexOf('--scenario'); at >= 0; at = args.indexOf('--scenario')) scenarioIds.push(args.splice(at, 2)[1] ?? '');
const only = args;
const unknown = only.filter((s) => !SYSTEMS.includes(s));
if (unknown.length > 0) {
  process.stderr.write(`unknown system ${unknown.join(', ')}: one of ${SYSTEMS.join(', ')}\n`);
  process.exit(2);
}
const systems = only.length > 0 ? SYSTEMS.filter((s) => only.includes(s)) : SYSTEMS;
const started = performance.now();
const clock = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s`;

const common = {
  ...(split === undefined ? { store } : { split }),
  ...(process.env.OPSBOOK_GAMEDAY_PG_URL ? { pgAdminUrl: process.env.OPSBOOK_GAMEDAY_PG_URL } : {}),
  /** @param {{ kind: string; system: string; scenario?: string; text: string; passed?: boolean }} e */
  onEvent: (e) => {
    // Progress lines carry the system: the worlds run side by side.
    if (e.kind === 'scenario-done') process.stdout.write(`${clock()}  ${e.system}: ${e.passed ? '✔' : '✘'} ${e.scenario} ${e.text}\n`);
    else if (e.kind === 'drill' || (e.kind === 'baseline' && (verbose || !e.text.startsWith('healthy'))) || (verbose && e.kind === 'step')) process.stdout.write(`${clock()}  ${e.system}: ${e.scenario ? `${e.scenario}: ` : ''}${e.text}\n`);
  },
};

/** @param {string} system @returns {Promise<import('../src/gameday/index.js').GameDayResult | Error>} */
async function one(system) {
  try {
    return await runGameDay(`examples/${system}`, common);
  } catch (e) {
    return new Error(`${system}: ${/** @type {Error} */ (e).message}`);
  }
}

/** @type {Array<import('../src/gameday/index.js').GameDayResult | Error>} */
const outcomes = [];
if (serial) for (const s of systems) outcomes.push(await one(s));
else {
  const secondsFile = process.env.OPSBOOK_GAMEDAY_SECONDS_FILE ?? join('node_modules', '.cache', 'opsbook', 'gameday-seconds.json');
  const recorded = await readRecordedSeconds(secondsFile);
  const stores = split === undefined ? [store] : ['sqlite', 'postgres'];
  const known = stores.every((s) => Object.keys(recorded[s] ?? {}).length > 0) ? 'recorded at the last run' : Object.keys(recorded).length > 0 ? 'recorded at the last run on the other store' : 'estimated from the specs (no run recorded yet)';
  const spread = split === undefined ? '' : `, each system's scenarios spread over SQLite and PostgreSQL (${split === 0 ? 'the 1st, 3rd, … on SQLite' : 'the 2nd, 4th, … on SQLite'}; --split-offset ${1 - split} swaps them), each system's drills on one (the first system's on ${split === 0 ? 'SQLite' : 'PostgreSQL'}, the next system's on the other, …)`;
  process.stdout.write(`${systems.length} systems in worlds of ${perWorld} scenarios (drills in their own)${spread}, ${jobs} at once, the longest first (seconds ${known})\n`);
  /** @type {Record<string, Record<string, Record<string, number>>>} store → system → part → seconds */
  const seconds = {};
  outcomes.push(...(await runGameDays(systems.map((s) => `examples/${s}`), {
    ...common, jobs, scenariosPerWorld: perWorld, recorded,
    onPartDone: ({ system, part, seconds: s }) => {
      const keys = part.drills ? [DRILLS, ...part.scenarios] : part.scenarios;
      for (const k of keys) ((seconds[part.store] ??= {})[system] ??= {})[k] = Math.round((s / keys.length) * 10) / 10;
    },
    ...(drillsOnly ? { only: [] } : scenarioIds.length > 0 ? { only: scenarioIds, drills: false } : {}),
  })));
  // Only a whole run's seconds: one scenario alone runs faster than among the others.
  if (scenarioIds.length === 0 && !drillsOnly) {
    for (const [s, bySystem] of Object.entries(seconds)) await writeRecordedSeconds(secondsFile, /** @type {'sqlite' | 'postgres'} */ (s), bySystem).catch((e) => process.stderr.write(`(the parts' seconds were not recorded: ${e.message})\n`));
  }
}

/** @type {import('../src/gameday/index.js').GameDayResult[]} */
const results = [];
let broken = 0;
for (const o of outcomes) {
  process.stdout.write('\n');
  if (o instanceof Error) {
    broken += 1;
    process.stdout.write(`✘ ${o.message}\n`);
    continue;
  }
  results.push(o);
  if (o.failed > 0 || verbose) process.stdout.write(`${formatGameDay(o).join('\n')}\n`);
  else {
    process.stdout.write(`game day ${o.system} (store ${o.store}) in ${o.seconds.toFixed(1)} s\n`);
    for (const s of o.scenarios) process.stdout.write(`${formatScenarioLines(s).join('\n')}\n`);
    for (const d of o.drills) process.stdout.write(`  ${d.passed ? '✔' : '✘'} ${d.kind}: ${d.text}\n`);
    for (const t of o.recoveries) process.stdout.write(`  ${t.passed ? '✔' : '✘'} recovery test ${t.procedure} (${t.method})\n`);
  }
  // Real seconds summed over the system's worlds (they overlap): where its wall time went.
  if (timings) for (const [k, v] of Object.entries(o.timings).sort((x, y) => y[1] - x[1])) process.stdout.write(`    ${v.toFixed(1).padStart(7)} s  ${k}\n`);
}

const total = (performance.now() - started) / 1000;
process.stdout.write(`\n${formatSummary(results).join('\n')}\n`);
const scenarios = results.reduce((n, r) => n + r.scenarios.length, 0);
const passedScenarios = results.reduce((n, r) => n + r.scenarios.filter((s) => s.passed).length, 0);
const failed = results.reduce((n, r) => n + r.failed, 0) + broken;
const otherFailures = failed - (scenarios - passedScenarios);
const storeText = split !== undefined ? 'SQLite and PostgreSQL, each scenario on one' : store === 'postgres' ? 'PostgreSQL' : 'SQLite';
process.stdout.write(`\ngame days (opsbook's store on ${storeText}, ${serial ? 'one after the other' : `${results.reduce((n, r) => n + (r.worlds ?? 1), 0)} worlds, ${jobs} at once`}): ${total.toFixed(1)} s in all\n`);
process.stdout.write(`${passedScenarios} scenarios passed, ${scenarios - passedScenarios} failed${otherFailures > 0 ? `; ${otherFailures} drills, recovery tests or worlds failed` : ''}\n`);
process.exitCode = failed === 0 ? 0 : 1;
