/**
 * `npm run bench executions`: what running runbook steps costs here. Plans every procedure of the
 * five seeds, then runs read steps end to end (gate, executor, capped transcript, audit append) for
 * a shell echo, a SQL SELECT on the local PostgreSQL and a Redis LLEN on the local Redis.
 */
import { performance } from 'node:perf_hooks';
import { postgresUp, redisUp, PG_ADMIN_URL, REDIS_URL, redisTestPrefix } from '../test/support/services.js';
import { harness, responder, seed } from '../src/executions/test-support.js';

const SEEDS = ['000', '001', '002', '003', '004'];
const h = await harness({
  clock: 'system',
  config: { services: [{ id: 'svc', shell: { cwd: '.' }, postgres: { url: PG_ADMIN_URL }, redis: { url: REDIS_URL, key_prefix: redisTestPrefix('bench-exec') } }] },
  runbooks: [
    ...SEEDS.map((s) => ({ file: `seeds/${s}.md`, path: seed(s) })),
    { file: 'b.md', text: '# B\n\n## RB-1: Echo\n\n**Diagnosis:**\n```bash\necho ok\n```\n\n## RB-2: Sql\n\n**Diagnosis:**\n```sql\nSELECT 1;\n```\n\n## RB-3: Redis\n\n**Diagnosis:**\n```redis\nLLEN bench:list\n```\n' },
  ],
});

try {
  let procedures = 0;
  const t0 = performance.now();
  for (const rb of h.service.deps.runbooks.filter((r) => r.file.startsWith('seeds/'))) {
    for (const p of rb.procedures) {
      await h.service.plan(`${rb.file}#${p.id}`);
      procedures++;
    }
  }
  const planMs = performance.now() - t0;
  console.log(`plan: ${procedures} seed procedures in ${planMs.toFixed(0)} ms (${(planMs / procedures).toFixed(2)} ms each)`);

  const runs = async (ref: string, n: number): Promise<string> => {
    const { id } = await h.service.start(ref, responder);
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      const r = await h.service.runStep(id, 1, responder);
      if (r.status !== 'ok') throw new Error(`${ref}: ${r.status} ${r.entries[0]?.stderr ?? ''}`);
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    return `p50 ${times[Math.floor(n / 2)]!.toFixed(1)} ms, p90 ${times[Math.floor(n * 0.9)]!.toFixed(1)} ms over ${n}`;
  };
  console.log(`shell read step (bash -c 'echo ok', process group, transcript, audit): ${await runs('b.md#RB-1', 30)}`);
  if (await postgresUp()) console.log(`SQL read step (connect, BEGIN READ ONLY, SELECT 1, transcript, audit): ${await runs('b.md#RB-2', 30)}`);
  if (await redisUp()) {
    console.log(`Redis read step (connect, LLEN, transcript, audit): ${await runs('b.md#RB-3', 30)}`);
  }
} finally {
  await h.cleanup();
}
