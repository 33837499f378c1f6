/** Process groups a test's commands ran in: whether one still has a member, and waiting for it to end. */
import { waitForExit, type ServedCli } from './cli.js';

/** Whether process group `pgid` still has a member. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Polls until the group is gone (true) or `timeoutMs` passed (false). */
export async function groupEnds(pgid: number, timeoutMs: number): Promise<boolean> {
  for (const end = Date.now() + timeoutMs; groupAlive(pgid); ) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** After a test: a `serve` still running killed, a step's group still alive killed, its folder removed. */
export async function killServedAndGroup(served: ServedCli | undefined, group: number | undefined): Promise<void> {
  if (served && served.child.exitCode === null && served.child.signalCode === null) {
    const exited = waitForExit(served.child);
    served.child.kill('SIGKILL');
    await exited;
  }
  if (group && groupAlive(group)) process.kill(-group, 'SIGKILL');
}
