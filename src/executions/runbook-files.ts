import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { globTooWide } from '../lib/glob-walk.js';
import { OpsbookError } from '../lib/errors/index.js';

/**
 * The files a `runbooks:` entry names: absolute paths of the files matching `pattern` (relative to
 * baseDir), as tinyglobby finds them with onlyFiles, no dotfiles and symbolic links followed. The
 * usual entries, `runbooks/*.md` or a plain path, are matched here by reading one directory;
 * anything else (`**`, braces, classes, a wildcard before the last `/`) goes to tinyglobby. Every
 * config load reads its runbooks, and loading tinyglobby with fdir and picomatch costs about
 * a third of a bare `node` start. A `**` that would walk more than GLOB_MAX_DIRECTORIES directories
 * is refused (OPSBOOK_E_RUNBOOK_READ) before anything is matched.
 */
export async function runbookFiles(pattern: string, baseDir: string): Promise<string[]> {
  const simple = simpleMatcher(pattern);
  if (!simple) {
    const wide = await globTooWide(pattern, baseDir);
    if (wide) throw new OpsbookError('OPSBOOK_E_RUNBOOK_READ', `runbook ${wide}`);
    const { glob } = await import('tinyglobby');
    return glob(pattern, { cwd: baseDir, absolute: true, onlyFiles: true, expandDirectories: false });
  }
  const dir = path.resolve(baseDir, simple.dir);
  if (!simple.name) return (await isFile(dir)) ? [dir] : [];
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of names) {
    if (!simple.name.test(name)) continue;
    const full = path.join(dir, name);
    if (await isFile(full)) found.push(full);
  }
  return found;
}

/** A file, or a symbolic link to one. */
function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

/**
 * `dir` and a matcher for the last segment when the pattern's only wildcards are `*` and `?` in its
 * last segment; `name` absent when it has none (a plain path). Undefined for every other pattern.
 */
function simpleMatcher(pattern: string): { dir: string; name?: RegExp } | undefined {
  // Characters picomatch gives a meaning besides * and ?: escapes, classes, braces, extglobs, negation.
  if (/[\\[\]{}()!+@]/.test(pattern) || pattern === '' || pattern.endsWith('/')) return undefined;
  const slash = pattern.lastIndexOf('/');
  const dir = slash < 0 ? '.' : pattern.slice(0, slash) || '/';
  const last = pattern.slice(slash + 1);
  if (/[*?]/.test(dir) || last.includes('**') || pattern.split('/').some((s) => s === '.' || s === '..')) return undefined;
  if (!/[*?]/.test(last)) return { dir: slash < 0 ? last : pattern };
  // Wildcards match no `/`, and a leading wildcard matches no leading dot (picomatch's dot: false).
  const body = [...last].map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.^$|]/g, '\\$&'))).join('');
  return { dir, name: new RegExp(last.startsWith('.') ? `^${body}$` : `^(?!\\.)${body}$`) };
}
