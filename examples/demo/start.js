#!/usr/bin/env node
// `npm start`: the demo service on 127.0.0.1:4180 and opsbook watching it (and itself) on :4100.
// Signals go to both; the exit code is opsbook's.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const service = spawn(process.execPath, [path.join(here, 'service.js')], { stdio: 'inherit' });
const opsbook = spawn(process.execPath, [path.join(root, 'bin/opsbook.js'), 'serve', '--config', here, ...process.argv.slice(2)], {
  stdio: 'inherit',
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (!opsbook.killed) opsbook.kill(signal);
    if (signal !== 'SIGHUP' && !service.killed) service.kill(signal);
  });
}
opsbook.on('exit', (code, signal) => {
  if (!service.killed) service.kill('SIGTERM');
  process.exitCode = code ?? (signal ? 1 : 0);
});
