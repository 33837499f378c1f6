// A child process for the torture suite: the opsbook daemon (as `opsbook serve` wires it: port bound,
// then operations) over argv[2] (ops.yaml) on a simulated clock that starts at argv[3] (epoch ms) and
// moves only when the parent says so. It prints `api URL` and `control URL`, then `ready`; the parent
// kills it with SIGKILL at chosen moments and starts it again at a later simulated instant. SIGTERM
// stops it cleanly, as `opsbook serve` does (the cluster tests hand a partition over so).
//
// Control: POST /advance {"to": ms} moves the clock to that instant, firing every timer due on the
// way, and answers once the pipeline has settled and no active escalation is due at the new now —
// or, after a bounded real-time wait, with the number still due (`stalled`).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Daemon, createLogger } from '../../src/daemon/index.js';
import { buildServer } from '../../src/http/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';

const [configPath, start] = process.argv.slice(2) as [string, string];
const clock = new SimulatedClock(Number(start));
const daemon = await Daemon.start({ configPath, clock, operations: 'deferred', logger: createLogger({ level: 'silent', pretty: false }) });
const app = buildServer(daemon);
const api = await app.listen({ host: '127.0.0.1', port: 0 });
await daemon.startOperations();
process.once('SIGTERM', () => void daemon.close().finally(() => process.exit(0)));

/** Settles the pipeline; answers how many active escalations are still due at now after a bounded wait. */
async function settled(): Promise<number> {
  let due = 0;
  for (let i = 0; i < 100; i++) {
    await daemon.operations!.settle(2_000);
    due = (await daemon.store.db.selectFrom('escalations').select('incident_id').where('status', '=', 'active').where('next_at', '<=', clock.now()).execute()).length;
    if (due === 0) return 0;
    await new Promise((r) => setTimeout(r, 20));
  }
  return due;
}

const control = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    void (async () => {
      try {
        const { to } = JSON.parse(body || '{}') as { to?: number };
        if (to !== undefined) await clock.advanceTo(to, () => daemon.operations!.settle(2_000));
        const stalled = await settled();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ now: clock.now(), stalled }));
      } catch (e) {
        res.writeHead(500).end(String((e as Error).stack ?? e));
      }
    })();
  });
});
await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
process.stdout.write(`api ${api}\ncontrol http://127.0.0.1:${(control.address() as AddressInfo).port}\nready\n`);
