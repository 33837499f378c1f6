import fs from 'node:fs/promises';
import path from 'node:path';
import type { CheckKind, Observation } from '../../types.js';
import { fileSchema, type FileOptions } from './schema.js';

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const c of glob) re += c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`);
}

/**
 * The newest file matching a glob, by mtime: `[AGE]` (ms since it was written), `[SIZE]` (bytes),
 * `[FILES]` (how many match), `[PATH]`. Backups such as `/backups/postgresql/*.sql.gz`. The oldest
 * match's age is `[OLDEST_AGE]` (and its path `[OLDEST_PATH]`): a cleanup that keeps 30 days of logs
 * leaves nothing older.
 */
export const fileKind: CheckKind<FileOptions> = {
  ...fileSchema,
  run: async (config, ctx): Promise<Observation> => {
    const dir = path.dirname(config.path);
    const match = globToRegExp(path.basename(config.path));
    let names: string[];
    try {
      names = (await fs.readdir(dir)).filter((n) => match.test(n));
    } catch (e) {
      return { values: { FILES: 0 }, error: (e as Error).message };
    }
    let newest: { path: string; mtime: number; size: number } | undefined;
    let oldest: { path: string; mtime: number } | undefined;
    let files = 0;
    for (const name of names) {
      if (ctx.signal.aborted) return { values: { FILES: files }, error: 'aborted' };
      const full = path.join(dir, name);
      const st = await fs.stat(full).catch(() => undefined);
      if (!st?.isFile()) continue;
      files++;
      if (!newest || st.mtimeMs > newest.mtime) newest = { path: full, mtime: st.mtimeMs, size: st.size };
      if (!oldest || st.mtimeMs < oldest.mtime) oldest = { path: full, mtime: st.mtimeMs };
    }
    if (!newest || !oldest) return { values: { FILES: 0 } };
    const now = ctx.clock.now();
    const age = Math.max(0, now - Math.round(newest.mtime));
    const oldestAge = Math.max(0, now - Math.round(oldest.mtime));
    return { values: { FILES: files, AGE: age, SIZE: newest.size, PATH: newest.path, OLDEST_AGE: oldestAge, OLDEST_PATH: oldest.path }, value: Math.round(age / 1000) };
  },
};
