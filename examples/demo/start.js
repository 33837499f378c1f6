#!/usr/bin/env node
// `npm start`: the demo service on 127.0.0.1:4180, a mail sink for its email pages on :2525, and
// opsbook watching it (and itself) on :4100. Signals go to all; the exit code is opsbook's.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_MAIL_PORT, startMailSink } from './mail-sink.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const sink = await startMailSink().catch((e) => {
  console.error(`[mail-sink] not started (${e.message}); email pages to 127.0.0.1:${DEMO_MAIL_PORT} will retry`);
  return undefined;
});
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
  void sink?.close();
  process.exitCode = code ?? (signal ? 1 : 0);
});
