// A child process for the read-then-write test: a second opsbook process on the same SQLite file
// (a CLI `opsbook incident …` beside the daemon) that, once the file `go` exists beside the
// database (so two children write at the same moment), either adds `count` notes to one incident
// (`note <incident> <count>`) or acknowledges each of the incidents given (`ack <id,id,…>`). Each
// is one incident-engine transaction that reads the incident, then writes its line and audit entry.
// Prints what committed, what was refused for the incident's state, and what else failed.
import fs from 'node:fs';
import path from 'node:path';
import { IncidentService } from '../../src/incidents/index.js';
import { SystemClock } from '../../src/lib/clock.js';
import { openStore } from '../../src/store/index.js';

const [file, name, mode, target, count] = process.argv.slice(2) as [string, string, 'note' | 'ack', string, string | undefined];
const store = await openStore({ url: file });
const incidents = new IncidentService(store, new SystemClock(), {});
const actor = { name, role: 'responder' as const, via: 'cli' as const };
const actions = mode === 'note' ? Array.from({ length: Number(count) }, (_, i) => () => incidents.addNote(target, actor, `${name} ${i}`)) : target.split(',').map((id) => () => incidents.acknowledge(id, actor));
process.stdout.write('ready\n');
while (!fs.existsSync(path.join(path.dirname(file), 'go'))) await new Promise((r) => setTimeout(r, 5));
const errors: string[] = [];
let done = 0;
let refused = 0;
for (const action of actions) {
  try {
    await action();
    done++;
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (code === 'OPSBOOK_E_INCIDENT_TRANSITION') refused++;
    else errors.push(`${code} ${(e as Error).message}`);
  }
}
process.stdout.write(`${JSON.stringify({ done, refused, errors: [...new Set(errors)] })}\n`);
await store.close();
