/**
 * The process groups opsbook started and that may still run (a runbook step's command, a command
 * check), by leader pid, so that a forced exit can end them: each is started detached, in a group of
 * its own, and neither a signal to opsbook nor its exit reaches it.
 */
const groups = new Set<number>();

/** Counts `pgid` among the groups running; answers its release, to call once the group is over. */
export function trackProcessGroup(pgid: number | undefined): () => void {
  if (pgid === undefined) return () => {};
  groups.add(pgid);
  return () => groups.delete(pgid);
}

/** Whether group `pgid` still has a member. */
function alive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * opsbook exits now: the groups still running get SIGTERM (again: a stop may have sent it already),
 * up to `graceMs` to end, then SIGKILL, so that a command that ignores SIGTERM does not outlive it.
 * Resolves once every group is gone or was sent SIGKILL.
 */
export async function endProcessGroups(graceMs: number): Promise<void> {
  const running = [...groups];
  for (const g of running) signal(g, 'SIGTERM');
  for (const end = Date.now() + graceMs; running.some(alive) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
  for (const g of running) if (alive(g)) signal(g, 'SIGKILL');
}
