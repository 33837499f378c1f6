// A child process for the torture suite: opens incidents by hand as fast as it can on the store
// at argv[2] and prints each incident's id once its transaction (incident and audit entry) has
// committed. The parent kills it with SIGKILL at a random moment.
import { IncidentService } from '../../src/incidents/index.js';
import { SystemClock } from '../../src/lib/clock.js';
import { openStore } from '../../src/store/index.js';

const store = await openStore({ url: process.argv[2]! });
await store.migrate();
const incidents = new IncidentService(store, new SystemClock(), {});
const actor = { name: 'writer', role: 'responder' as const, via: 'cli' as const };
process.stdout.write('ready\n');
for (let i = 0; i < 200_000; i++) {
  const r = await incidents.create({ title: `write ${i}`, severity: 'P3' }, actor);
  process.stdout.write(`${r.incident.id}\n`);
}
await store.close();
