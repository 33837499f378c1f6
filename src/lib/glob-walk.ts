import path from 'node:path';
import { fdir, type Counts } from 'fdir';

/**
 * The most directories a config glob with `**` (`runbooks:`, `rule_files:`) may walk. A `**` goes to
 * the bottom of every folder beneath it, symbolic links followed: `/**\/*.md` or `~/**` would walk the
 * whole disk (measured: no answer after 2 minutes), holding the config load, `validate` and a
 * daemon's reload for as long. Far above a repository of runbooks (opsbook's own checkout with its
 * node_modules has about 2,400 directories).
 */
export const GLOB_MAX_DIRECTORIES = 10_000;

/** Characters that make a path segment a pattern (picomatch's: wildcards, classes, braces, extglobs, escapes). */
export const WILDCARD_SEGMENT = /[*?[\]{}()!+@\\]/;

/** The folder matching `pattern` walks from: its segments before the first wildcard, resolved against `baseDir`. */
export function globBase(pattern: string, baseDir: string): string {
  const segments = pattern.split('/');
  const first = segments.findIndex((s) => WILDCARD_SEGMENT.test(s));
  const base = first < 0 ? path.dirname(pattern) : segments.slice(0, first).join('/') || (pattern.startsWith('/') ? '/' : '.');
  return path.resolve(baseDir, base);
}

/**
 * The walk `pattern` would make, stopped past `max` directories: directories whose names start with a
 * dot are left out as the match leaves them out (unless the pattern names one), links followed.
 */
function walker(pattern: string, max: number): { crawler: fdir<Counts>; over: () => boolean } {
  const dots = pattern.split('/').some((s) => s.startsWith('.') && s !== '.' && s !== '..');
  const stop = new AbortController();
  let seen = 0;
  const crawler = new fdir()
    .withSymlinks({ resolvePaths: false })
    .onlyCounts()
    .withAbortSignal(stop.signal)
    .exclude((name) => {
      if (!dots && name.startsWith('.')) return true;
      if (++seen > max) stop.abort();
      return seen > max;
    });
  return { crawler, over: () => seen > max };
}

function tooWide(pattern: string, base: string, max: number): string {
  return `${pattern} walks more than ${max.toLocaleString('en-US')} directories under ${base}: a ** goes to the bottom of every folder beneath it; name the folder that holds the files`;
}

/** Why `pattern` is refused (its `**` would walk more than `max` directories), or undefined. Reads the disk synchronously. */
export function globTooWideSync(pattern: string, baseDir: string, max = GLOB_MAX_DIRECTORIES): string | undefined {
  if (!pattern.includes('**')) return undefined;
  const base = globBase(pattern, baseDir);
  const { crawler, over } = walker(pattern, max);
  crawler.crawl(base).sync();
  return over() ? tooWide(pattern, base, max) : undefined;
}

/** As globTooWideSync, reading the disk without blocking the event loop. */
export async function globTooWide(pattern: string, baseDir: string, max = GLOB_MAX_DIRECTORIES): Promise<string | undefined> {
  if (!pattern.includes('**')) return undefined;
  const base = globBase(pattern, baseDir);
  const { crawler, over } = walker(pattern, max);
  await crawler.crawl(base).withPromise();
  return over() ? tooWide(pattern, base, max) : undefined;
}
