// A child process for the concurrent-transcript test: a second opsbook process on the same SQLite
// file that ticks a step of an execution `count` times, starting once the file `go` exists (so two
// children write at the same moment), then prints what it recorded and what failed.
import fs from 'node:fs';
import path from 'node:path';
import { opsConfigSchema } from '../../src/config/index.js';
import { ExecutionService } from '../../src/executions/index.js';
import { SystemClock } from '../../src/lib/clock.js';
import { parseRunbook } from '../../src/runbooks/index.js';
import { openStore } from '../../src/store/index.js';

const [file, executionId, runbookPath, name, count] = process.argv.slice(2) as [string, string, string, string, string];
const store = await openStore({ url: file });
const dir = path.dirname(file);
const service = new ExecutionService({
  store,
  clock: new SystemClock(),
  config: opsConfigSchema.parse({ services: [{ id: 'web', shell: { cwd: '.' } }] }),
  baseDir: dir,
  runbooks: [parseRunbook(fs.readFileSync(runbookPath, 'utf8'), { file: 'web.md' })],
  env: {},
});
process.stdout.write('ready\n');
while (!fs.existsSync(path.join(dir, 'go'))) await new Promise((r) => setTimeout(r, 5));
const errors: string[] = [];
let recorded = 0;
for (let i = 0; i < Number(count); i++) {
  try {
    await service.tick(executionId, 4, { name, role: 'responder', via: 'cli' }, `${name} ${i}`);
    recorded++;
  } catch (e) {
    errors.push(`${(e as { code?: string }).code ?? ''} ${(e as Error).message}`);
  }
}
process.stdout.write(`${JSON.stringify({ recorded, errors: [...new Set(errors)] })}\n`);
await store.close();
