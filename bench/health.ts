/**
 * `npm run bench:health`: drives opsbook's /_health/live at a fixed 1,000 requests/s for 10 s and
 * prints the achieved rate and latency percentiles, beside a bare node:http server answering the
 * same bytes in the same run (the floor this machine allows). Target: p99 under 2 ms.
 *
 * Two drivers: Debian's wrk when installed (a C client; `.ci/run` installs it) and opsbook's own
 * Node.js driver (also reports latency from each request's planned send). The target is judged on
 * wrk's figures when it ran: a Node.js client on the same two cores adds its own pauses.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedRate, formatLoad } from './support/load.js';
import { freePort, waitForHttp } from '../test/support/net.js';
import { spawnJsonServer, spawnNode, stop } from './support/process.js';
import { formatWrk, wrkAvailable, wrkFixedRate } from './support/wrk.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rate = Number(process.env.BENCH_RATE ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-health-'));
fs.writeFileSync(path.join(dir, 'ops.yaml'), 'server:\n  log_level: warn\n');

const opsPort = await freePort();
const ops = spawnNode([path.join(root, 'bin/opsbook.js'), 'serve', '--config', path.join(dir, 'ops.yaml'), '--port', String(opsPort), '--no-watch']);
const basePort = await freePort();
const base = spawnJsonServer(basePort, '{"status":"live"}', { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });

try {
  await waitForHttp(`http://127.0.0.1:${opsPort}/_health/ready`);
  await waitForHttp(`http://127.0.0.1:${basePort}/`);
  // Warm both up so JIT and connection set-up are not measured.
  await fixedRate({ url: `http://127.0.0.1:${opsPort}/_health/live`, rate, seconds: 2 });
  await fixedRate({ url: `http://127.0.0.1:${basePort}/`, rate, seconds: 2 });

  const opsResult = await fixedRate({ url: `http://127.0.0.1:${opsPort}/_health/live`, rate, seconds });
  const baseResult = await fixedRate({ url: `http://127.0.0.1:${basePort}/`, rate, seconds });
  console.log(`fixed rate ${rate}/s for ${seconds} s on loopback (${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(2)})`);
  console.log('Node.js driver:');
  console.log(formatLoad('  opsbook /_health/live', opsResult));
  console.log(formatLoad('  bare node:http (floor)', baseResult));
  console.log(`  p99 ratio opsbook / bare node: ${(opsResult.p99 / baseResult.p99).toFixed(2)}x`);
  let judged = opsResult.p99;
  if (wrkAvailable()) {
    const opsWrk = await wrkFixedRate({ url: `http://127.0.0.1:${opsPort}/_health/live`, rate, seconds });
    const baseWrk = await wrkFixedRate({ url: `http://127.0.0.1:${basePort}/`, rate, seconds });
    console.log('wrk (Debian):');
    console.log(formatWrk('  opsbook /_health/live', opsWrk));
    console.log(formatWrk('  bare node:http (floor)', baseWrk));
    console.log(`  p99 ratio opsbook / bare node: ${(opsWrk.p99 / baseWrk.p99).toFixed(2)}x`);
    judged = opsWrk.p99;
  } else {
    console.log('wrk not installed (apt install wrk): figures from the Node.js driver only');
  }
  console.log(`target p99 < 2 ms: ${judged < 2 ? 'met' : 'NOT met'} (${judged.toFixed(3)} ms)`);
} finally {
  await stop(ops);
  await stop(base);
  fs.rmSync(dir, { recursive: true, force: true });
}
