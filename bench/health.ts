/**
 * `npm run bench:health`: drives opsbook's /_health/live at a fixed 1,000 requests/s for 10 s and
 * prints the achieved rate and latency percentiles, beside a bare node:http server answering the
 * same bytes in the same run (the floor this machine allows). Target: p99 under 2 ms.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedRate, formatLoad } from './support/load.js';
import { freePort, waitForHttp } from '../test/support/net.js';
import { spawnNode, stop } from './support/process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rate = Number(process.env.BENCH_RATE ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-health-'));
fs.writeFileSync(path.join(dir, 'ops.yaml'), 'server:\n  log_level: warn\n');

const opsPort = await freePort();
const ops = spawnNode([path.join(root, 'bin/opsbook.js'), 'serve', '--config', path.join(dir, 'ops.yaml'), '--port', String(opsPort), '--no-watch']);
const basePort = await freePort();
const base = spawnNode([
  '-e',
  `require('http').createServer((q,s)=>{s.writeHead(200,{'content-type':'application/json; charset=utf-8','cache-control':'no-store'});s.end('{"status":"live"}')}).listen(${basePort},'127.0.0.1')`,
]);

try {
  await waitForHttp(`http://127.0.0.1:${opsPort}/_health/ready`);
  await waitForHttp(`http://127.0.0.1:${basePort}/`);
  // Warm both up so JIT and connection set-up are not measured.
  await fixedRate({ url: `http://127.0.0.1:${opsPort}/_health/live`, rate, seconds: 2 });
  await fixedRate({ url: `http://127.0.0.1:${basePort}/`, rate, seconds: 2 });

  const opsResult = await fixedRate({ url: `http://127.0.0.1:${opsPort}/_health/live`, rate, seconds });
  const baseResult = await fixedRate({ url: `http://127.0.0.1:${basePort}/`, rate, seconds });
  console.log(`fixed rate ${rate}/s for ${seconds} s on loopback (${os.cpus().length} cores)`);
  console.log(formatLoad('opsbook /_health/live', opsResult));
  console.log(formatLoad('bare node:http (floor)', baseResult));
  console.log(`p99 ratio opsbook / bare node: ${(opsResult.p99 / baseResult.p99).toFixed(2)}x`);
  console.log(`target p99 < 2 ms: ${opsResult.p99 < 2 ? 'met' : 'NOT met'}`);
} finally {
  await stop(ops);
  await stop(base);
  fs.rmSync(dir, { recursive: true, force: true });
}
