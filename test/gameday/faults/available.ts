/**
 * Whether a program the fault tests need is installed; missing, the tests skip with a one-line reason,
 * except under OPSBOOK_REQUIRE_SERVICES=1 where this throws.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

function report(ok: boolean, reason: string): boolean {
  if (!ok && process.env.OPSBOOK_REQUIRE_SERVICES === '1') throw new Error(`${reason} and OPSBOOK_REQUIRE_SERVICES=1`);
  if (!ok) console.warn(`skipping: ${reason}`);
  return ok;
}

export function postgresServerInstalled(): boolean {
  const root = '/usr/lib/postgresql';
  const ok = existsSync(root) && readdirSync(root).some((d) => existsSync(`${root}/${d}/bin/initdb`));
  return report(ok, 'no PostgreSQL server programs under /usr/lib/postgresql/*/bin');
}

export function programInstalled(program: string, args = ['--version']): boolean {
  return report(spawnSync(program, args).status === 0, `${program} is not installed`);
}

export function celeryInstalledHere(): boolean {
  return report(spawnSync('/usr/bin/python3', ['-c', 'import celery, redis']).status === 0, 'python3-celery / python3-redis are not installed');
}
