/**
 * `opsbook … | head -1`: the reader closes the pipe before the command has written everything. The
 * command ends quietly with its own exit code, as Unix tools do, not with an unhandled EPIPE.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { OPSBOOK_BIN, REPO_ROOT } from '../support/cli.js';

function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [OPSBOOK_BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // The reading end goes away before the command writes a line.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('a closed stdout pipe', () => {
  it('ends a command that writes many lines with its exit code and no EPIPE error', async () => {
    const r = await runWithClosedStdout(['import', 'examples/library/runbooks/library.md', '--compare', 'examples/library']);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js/);
    expect(r.code).toBe(0);
  });
});
