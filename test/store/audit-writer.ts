// A child process for the crash test: appends audit entries as fast as it can and prints each
// committed seq on its own line. The parent kills it with SIGKILL at a random moment.
import { openStore } from '../../src/store/index.js';
import { appendAudit } from '../../src/store/repos/audit.js';

const file = process.argv[2]!;
const store = await openStore({ url: file });
await store.migrate();
process.stdout.write('ready\n');
for (let i = 0; i < 200_000; i++) {
  const e = await appendAudit(store.db, store.dialect, { at: Date.now(), actor: 'writer', action: 'burst', subject: `n:${i}`, details: { i } });
  process.stdout.write(`${e.seq}\n`);
}
await store.close();
