/**
 * The readiness waits of the tests that start real servers: a server process that exits before it
 * answers fails the wait at once, saying so, rather than leaving it to poll a closed port to its bound.
 */
import { spawn } from 'node:child_process';
import { describe, it } from 'vitest';
import { freePort, waitForHttp } from './net.js';
import { waitForExit } from './cli.js';
import { scaled } from './timing.js';

describe('waitForHttp', () => {
  it('fails at once, naming the exit, when the process meant to answer has exited', async ({ expect }) => {
    const port = await freePort();
    const child = spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' });
    await waitForExit(child);
    // A bound far longer than this test may run: only the exit can end the wait in time.
    const wait = waitForHttp(`http://127.0.0.1:${port}/`, 3_600_000, 200, child);
    await expect(wait).rejects.toThrow(/the process serving it exited \(code 3\)/);
  }, scaled(30_000));

  it('fails at once when the process is killed while it is being waited for', async ({ expect }) => {
    const port = await freePort();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const wait = waitForHttp(`http://127.0.0.1:${port}/`, 3_600_000, 200, child);
    const exited = waitForExit(child);
    child.kill('SIGKILL');
    await exited;
    await expect(wait).rejects.toThrow(/the process serving it exited \(SIGKILL\)/);
  }, scaled(30_000));
});
