// A child process for the outbox crash test: runs one outbox worker on a SQLite store until it is
// killed (SIGKILL by the parent, at random moments) or told to stop (SIGTERM).
import fs from 'node:fs';
import { channelsSection } from '../../src/config/schema/channels.js';
import { SystemClock } from '../../src/lib/clock.js';
import { OutboxWorker } from '../../src/notify/index.js';
import { openStore } from '../../src/store/index.js';

const [file, configPath] = process.argv.slice(2) as [string, string];
const config = JSON.parse(fs.readFileSync(configPath, 'utf8')) as { channels: unknown; leaseMs: number; pollIntervalMs: number; concurrency: number };
const store = await openStore({ url: file });
await store.migrate();
const worker = new OutboxWorker({
  store,
  clock: new SystemClock(),
  channels: channelsSection.parse(config.channels),
  leaseMs: config.leaseMs,
  pollIntervalMs: config.pollIntervalMs,
  concurrency: config.concurrency,
});
worker.start();
// The worker's timers do not hold a process open (the daemon's server does); this child has nothing else.
const keepAlive = setInterval(() => {}, 60_000);
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  clearInterval(keepAlive);
  void worker.stop(Date.now() + 2000).then(() => store.close()).then(() => process.exit(0));
});
