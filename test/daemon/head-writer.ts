/** Child of audit-head-writers.test.ts: writes the audit head file `count` times, as a cluster process would. */
import { writeHead } from '../../src/daemon/audit-head.js';

const [file, count, id] = process.argv.slice(2);
for (let i = 1; i <= Number(count); i++) writeHead(file!, { seq: i, hash: (id!.repeat(64)).slice(0, 64) });
process.stdout.write('done\n');
