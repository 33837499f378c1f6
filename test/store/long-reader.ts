// A child process for the checkpoint test: another opsbook process on the same SQLite file in the
// middle of a long read (an export, a report), modelled by a read-only transaction that stays open
// until the file `release` exists beside the database.
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/store/index.js';

const file = process.argv[2]!;
const store = await openStore({ url: file });
await store.db
  .transaction()
  .setAccessMode('read only')
  .execute(async (trx) => {
    const rows = await trx.selectFrom('audit_log').select('seq').execute();
    process.stdout.write(`read ${rows.length}\n`);
    process.stdout.write('ready\n');
    while (!fs.existsSync(path.join(path.dirname(file), 'release'))) await new Promise((r) => setTimeout(r, 5));
  });
await store.close();
