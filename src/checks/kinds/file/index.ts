import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { duration } from '../../../lib/schema-fields.js';
import type { CheckKind, Observation } from '../../types.js';

export const fileOptions = z.object({
  path: z
    .string()
    .min(1)
    .refine((p) => !/[*?[]/.test(path.dirname(p)), { error: 'wildcards are allowed in the file name only (e.g. /backups/postgresql/*.sql.gz)' })
    .describe('A file, or a glob in the last path segment: /backups/postgresql/*.sql.gz.'),
  max_age: duration({ min: '1s' }).optional().describe('The newest match must be younger than this (adds [AGE] < max_age).'),
  min_size: z.int().min(0).optional().describe('The newest match must be at least this many bytes (adds [SIZE] >= min_size).'),
});
export type FileOptions = z.output<typeof fileOptions>;

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const c of glob) re += c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`);
}

/**
 * The newest file matching a glob, by mtime: `[AGE]` (ms since it was written), `[SIZE]` (bytes),
 * `[FILES]` (how many match), `[PATH]`. Backups such as `/backups/postgresql/*.sql.gz`.
 */
export const fileKind: CheckKind<FileOptions> = {
  kind: 'file',
  options: fileOptions,
  placeholders: ['AGE', 'SIZE', 'FILES', 'PATH'],
  defaultConditions: (c) => [
    '[FILES] > 0',
    ...(c.max_age !== undefined ? [`[AGE] < ${c.max_age}ms`] : []),
    ...(c.min_size !== undefined ? [`[SIZE] >= ${c.min_size}`] : []),
  ],
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
    let files = 0;
    for (const name of names) {
      if (ctx.signal.aborted) return { values: { FILES: files }, error: 'aborted' };
      const full = path.join(dir, name);
      const st = await fs.stat(full).catch(() => undefined);
      if (!st?.isFile()) continue;
      files++;
      if (!newest || st.mtimeMs > newest.mtime) newest = { path: full, mtime: st.mtimeMs, size: st.size };
    }
    if (!newest) return { values: { FILES: 0 } };
    const age = Math.max(0, ctx.clock.now() - Math.round(newest.mtime));
    return { values: { FILES: files, AGE: age, SIZE: newest.size, PATH: newest.path }, value: Math.round(age / 1000) };
  },
};
