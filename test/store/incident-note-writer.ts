// A child process for the read-then-write test: a second opsbook process on the same SQLite file
// (a CLI `opsbook incident note` beside the daemon) that adds `count` notes to one incident, each
// in the incident engine's transaction (it reads the incident, then writes the note and its audit
// entry), starting once the file `go` exists so two children write at the same moment. Prints how
// many committed and what failed.
import fs from 'node:fs';
import path from 'node:path';
import { IncidentService } from '../../src/incidents/index.js';
import { SystemClock } from '../../src/lib/clock.js';
import { openStore } from '../../src/store/index.js';

const [file, incidentId, name, count] = process.argv.slice(2) as [string, string, string, string];
const store = await openStore({ url: file });
const incidents = new IncidentService(store, new SystemClock(), {});
const actor = { name, role: 'responder' as const, via: 'cli' as const };
process.stdout.write('ready\n');
while (!fs.existsSync(path.join(path.dirname(file), 'go'))) await new Promise((r) => setTimeout(r, 5));
const errors: string[] = [];
let noted = 0;
for (let i = 0; i < Number(count); i++) {
  try {
    await incidents.addNote(incidentId, actor, `${name} ${i}`);
    noted++;
  } catch (e) {
    errors.push(`${(e as { code?: string }).code ?? ''} ${(e as Error).message}`);
  }
}
process.stdout.write(`${JSON.stringify({ noted, errors: [...new Set(errors)] })}\n`);
await store.close();
