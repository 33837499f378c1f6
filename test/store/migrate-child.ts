// A child process for the simultaneous-migration test: an opsbook process starting on a SQLite file
// that another starts on at the same moment (two daemons, or the daemon and a CLI command, on a new
// file). Once the file `go` exists it migrates each of the files given, one after the other, and
// prints per file what it applied or why it failed.
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/store/index.js';

const files = process.argv.slice(2);
process.stdout.write('ready\n');
while (!fs.existsSync(path.join(path.dirname(files[0]!), 'go'))) await new Promise((r) => setTimeout(r, 5));
for (const file of files) {
  const store = await openStore({ url: file });
  try {
    const { applied } = await store.migrate();
    process.stdout.write(`${JSON.stringify({ file: path.basename(file), applied })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ file: path.basename(file), error: `${(e as { code?: string }).code ?? ''} ${(e as Error).message}` })}\n`);
  } finally {
    await store.close();
  }
}
