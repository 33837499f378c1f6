import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const DAY = 86_400_000;

/**
 * The hosts' log directories (`log/postgresql`, `log/redis`), each with one log written a day ago by
 * the world's clock: what the weekly "Clear Old Logs" step (`find … -mtime +30 -delete`) leaves, so a
 * file check on the oldest log's age sees a cleaned-up host.
 */
export async function writeHostLogs(dir: string, now: number): Promise<string> {
  const logDir = join(dir, 'log');
  for (const host of ['postgresql', 'redis']) {
    await mkdir(join(logDir, host), { recursive: true });
    const file = join(logDir, host, `${host}.log`);
    await writeFile(file, `${new Date(now - DAY).toISOString()} ${host} started\n`);
    const t = (now - DAY) / 1000;
    await utimes(file, t, t);
  }
  return logDir;
}
