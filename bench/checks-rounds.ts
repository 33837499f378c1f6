/**
 * `node --import tsx bench/checks-rounds.ts [--checks N]`: what a check's first run costs against its
 * later ones. N HTTP checks (10 s interval) against a loopback target in its own process, run by the
 * real runner on a simulated clock: each round moves the clock one interval, every run settling
 * before time moves on, so each round is every check run exactly once whatever the machine's load.
 * Prints the CPU per check of runner.start() and of rounds 1–3 (round 1 holds every check's first
 * run: cold JIT, anything a kind builds on first use), the heap and RSS after them, and the CPU the
 * checks took to compile. CPU time, not wall time: it holds up on a busy machine where lag does not.
 */
import { Registry } from 'prom-client';
import { SimulatedClock } from '../src/lib/clock.js';
import { checkSchema } from '../src/config/schema/checks.js';
import { closeHttpAgents, compileCheck, createCheckRunner } from '../src/checks/index.js';
import { freePort, waitForHttp } from '../test/support/net.js';
import { spawnJsonServer } from './support/process.js';

const i = process.argv.indexOf('--checks');
const n = i >= 0 ? Number(process.argv[i + 1]) : 10_000;
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

const port = await freePort();
const target = spawnJsonServer(port, '{"status":"ok"}', undefined, 5000);
try {
  await waitForHttp(`http://127.0.0.1:${port}/`);
  const c0 = process.cpuUsage();
  const checks = Array.from({ length: n }, (_, k) =>
    compileCheck(
      checkSchema.parse({ id: `bench-${k}`, kind: 'http', url: `http://127.0.0.1:${port}/health/${k}`, interval: '10s', timeout: '5s', conditions: ['[STATUS] == 200', '[BODY].status == ok', '[RESPONSE_TIME] < 1000'] }),
    ),
  );
  const compileMs = cpuMs(c0);
  const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
  let results = 0;
  let up = 0;
  const runner = createCheckRunner({ checks, clock, registry: new Registry(), concurrency: 512, onResult: (r) => (results++, r.status === 'up' && up++) });
  const s0 = process.cpuUsage();
  await runner.start();
  const startMs = cpuMs(s0);
  const rounds: number[] = [];
  for (let round = 0; round < 3; round++) {
    const r0 = results;
    const c = process.cpuUsage();
    // One interval less a millisecond: the checks whose phase is 0 run once a round, not twice.
    await clock.advance(10_000 - (round === 0 ? 1 : 0), () => runner.scheduler.settled(60_000).then(() => undefined));
    await runner.scheduler.settled(60_000);
    rounds.push(cpuMs(c) / Math.max(1, results - r0));
  }
  const memory = process.memoryUsage();
  await runner.stop();
  closeHttpAgents();
  console.log(
    `${n} checks: compile ${Math.round(compileMs)} ms CPU, runner.start() ${((1000 * startMs) / n).toFixed(1)} µs/check; ` +
      `CPU per check round 1 ${rounds[0]!.toFixed(3)} ms, round 2 ${rounds[1]!.toFixed(3)}, round 3 ${rounds[2]!.toFixed(3)} (round 1 / round 2 ${(rounds[0]! / rounds[1]!).toFixed(2)}×); ` +
      `heap used ${Math.round(memory.heapUsed / 1e6)} MB, RSS ${Math.round(memory.rss / 1e6)} MB; ${results} runs, ${up} up`,
  );
} finally {
  target.kill();
}
