// A child process for the busy-store test: another process on the same SQLite file holding its
// write lock (a long retention prune, a migration of a big file, a stuck process), modelled by a
// write transaction begun IMMEDIATE that stays open until the file `release` exists beside the
// database; then it rolls back, having changed nothing.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

const file = process.argv[2]!;
const db = new Database(file);
db.pragma('busy_timeout = 5000');
db.exec('begin immediate');
process.stdout.write('ready\n');
while (!fs.existsSync(path.join(path.dirname(file), 'release'))) await new Promise((r) => setTimeout(r, 5));
db.exec('rollback');
db.close();
