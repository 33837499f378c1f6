// A child process for the WAL checkpoint crash test: writes rows one transaction at a time on a SQLite
// store whose WAL checkpointer empties the WAL every few pages, printing each row's id once its
// transaction has committed, until it is killed (SIGKILL by the parent).
import { sql } from 'kysely';
import { openStore, WalCheckpointer } from '../../src/store/index.js';

const [file] = process.argv.slice(2) as [string];
const store = await openStore({ url: file });
await sql`create table if not exists written (id integer primary key, data blob not null)`.execute(store.db);
await WalCheckpointer.start(store, { lookEveryMs: 5, limitPages: 40 });
let id = Number((await sql<{ n: number | null }>`select max(id) as n from written`.execute(store.db)).rows[0]!.n ?? 0);
process.stdout.write('ready\n');
for (let i = 0; i < 1_000_000; i++) {
  id++;
  await store.db.transaction().execute(async (trx) => {
    await sql`insert into written (id, data) values (${id}, randomblob(2000))`.execute(trx);
  });
  process.stdout.write(`${id}\n`);
}
