/**
 * `npm run torture [-- --quick] [-- --case NAME]`: opsbook attacked the way production is — kill -9
 * during deliveries and writes, hostile bodies, configs, runbooks and regexes — on loopback only.
 * Prints each case with its figures; exits 1 on any loss, stall or crash, and when a case
 * exercised nothing (e.g. no kill landed during deliveries). See docs/torture.md.
 */
import { tortureCases } from '../test/torture/cases.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--case') ? args[args.indexOf('--case') + 1] : undefined;
const started = performance.now();
const { cases, missing } = tortureCases();
let failed = 0;

for (const c of cases.filter((x) => !only || x.name.includes(only))) {
  const t0 = performance.now();
  let line: string;
  try {
    const r = await c.run({ quick });
    const figures = Object.entries(r.figures).map(([k, v]) => `${k}: ${v}`).join(', ');
    const verdict = r.failures.length > 0 ? 'FAIL' : r.exercised ? 'ok' : 'FAIL (exercised nothing)';
    if (verdict !== 'ok') failed++;
    line = `${verdict.padEnd(4)} ${c.name} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n       ${figures}${r.failures.map((f) => `\n       ✖ ${f}`).join('')}`;
  } catch (e) {
    failed++;
    line = `FAIL ${c.name}: ${(e as Error).stack ?? String(e)}`;
  }
  console.log(line);
}
for (const m of missing) console.log(`---- not in the suite yet: ${m}`);
console.log(`\ntorture${quick ? ' --quick' : ''}: ${failed} of ${cases.length} cases failed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed > 0 ? 1 : 0);
