import fs from 'node:fs';
import path from 'node:path';
import { globSync } from 'tinyglobby';
import { isConfigFileName } from '../config/index.js';
import { ruleFilePaths } from '../alerts/rule-files/index.js';
import { runbookFiles } from '../executions/runbook-files.js';
import { globBase, WILDCARD_SEGMENT } from '../lib/glob-walk.js';
import type { ConfigSources, SourceGlobs } from './config.js';
import type { Daemon } from './daemon.js';

interface Watch {
  watcher: fs.FSWatcher;
  /** The inode watched: a path that names another one now (an editor renamed a new file over it) is watched again. */
  ino: number;
}

/**
 * Reloads when a file the config read changes: its YAML files, its rule files and its runbooks. The
 * folders holding them are watched too, and the folders where a file matching a `rule_files:` or
 * `runbooks:` glob could appear: a file added or removed there (a YAML file in a config directory, a
 * rule file, a runbook) is a change of the config; other files coming and going there (an editor's swap
 * file) are not. Editors often replace a file (rename over), which ends an fs.watch on the old inode:
 * the watch follows the path, and its folder's watch sees the replacement. What is watched follows
 * each reload, from the config it loaded; after a refused reload it also covers what that load read,
 * so fixing a broken rule file the new config names applies it. Bursts are debounced.
 */
export function watchConfigFiles(daemon: Daemon, debounceMs = 250, maxFolders = MAX_WATCHED_FOLDERS): () => void {
  const watches = new Map<string, Watch>();
  const warned = new Set<string>();
  let warnedCap = false;
  const configDir = path.resolve(daemon.options.configPath);
  /** The files the config read (absolute), as of the last arm: a folder event naming one is a change. */
  let read = new Set<string>();
  /** Where each file read resolved to at the last arm: a symlink swapped meanwhile is a change. */
  let resolved = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let pending: 'reload' | 'look' | undefined;
  /** The files seen to change since the last reload was scheduled (absolute): the reload's log line names them. */
  const changed = new Set<string>();
  let work: Promise<void> = Promise.resolve();
  let closed = false;

  // `look`: something came or went in a watched folder; reload only if the globs now match other files.
  // A look rides on whatever is pending rather than putting it off: a folder where other files keep
  // changing (logs, a store's files) must not hold back a reload.
  const schedule = (what: 'reload' | 'look', file?: string): void => {
    if (file !== undefined && what === 'reload') changed.add(file);
    if (closed || (what === 'look' && pending)) return;
    pending = what;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const todo = pending;
      pending = undefined;
      const seen = [...changed];
      changed.clear();
      work = work
        .then(async () => {
          if (closed) return;
          const came = [...(await globsChanged(daemon.sources.latest)), ...relinked(resolved)];
          if (todo === 'reload' || came.length > 0) await daemon.reloadAfterChange([...new Set([...seen, ...came])]);
          await arm();
        })
        .catch((err: unknown) => daemon.logger.error({ err }, 'config watch failed; SIGHUP still reloads'));
    }, debounceMs);
  };

  const onFolderEvent = (dir: string) => (_event: string, name: string | Buffer | null) => {
    if (name === null) return schedule('reload');
    const file = path.join(dir, String(name));
    if (read.has(file) || (dir === configDir && isConfigFileName(String(name)))) schedule('reload', file);
    else schedule('look');
  };

  const watch = (target: string, kind: 'file' | 'folder'): void => {
    const key = `${kind}:${target}`;
    let ino: number;
    try {
      ino = fs.statSync(target).ino;
    } catch {
      // Gone (mid-edit, or not there yet): its folder's watch sees it come back.
      return unwatch(key);
    }
    const held = watches.get(key);
    if (held?.ino === ino) return;
    unwatch(key);
    try {
      const watcher = fs.watch(target, { persistent: false }, kind === 'file' ? () => schedule('reload', target) : onFolderEvent(target));
      watcher.on('error', () => {
        unwatch(key);
        schedule('reload');
      });
      watches.set(key, { watcher, ino });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
      // Out of inotify watches (ENOSPC: a `**` glob over a big tree), say: said once per cause, not per path.
      if (code !== 'ENOENT' && !warned.has(code)) {
        warned.add(code);
        daemon.logger.warn({ err, path: target }, 'cannot watch a config file or folder; changes there need a SIGHUP');
      }
    }
  };

  const unwatch = (key: string): void => {
    watches.get(key)?.watcher.close();
    watches.delete(key);
  };

  /** Watches what the config read now, and stops watching what it no longer reads. */
  const arm = async (): Promise<void> => {
    if (closed) return;
    const { running, latest } = daemon.sources;
    read = new Set([...running.files, ...latest.files]);
    resolved = new Map([...read].map((f) => [f, realPath(f)]));
    const folders = new Set([...read].map((f) => path.dirname(f)));
    if (isDirectory(configDir)) folders.add(configDir);
    for (const g of [...running.globs, ...(latest === running ? [] : latest.globs)]) for (const p of g.patterns) for (const d of globFolders(p, g.baseDir)) folders.add(d);
    // A link on the way to a file (`current -> releases/N`) can be swapped with nothing changing where the file is: its folder tells.
    const links = linkFolders(read);
    for (const d of links) folders.add(d);
    const { watched, leftOut } = capFolders(folders, [isDirectory(configDir) ? configDir : path.dirname(configDir), ...links], maxFolders);
    if (leftOut.length > 0 && !warnedCap) {
      warnedCap = true;
      daemon.logger.warn(
        { watched_folders: watched.length, left_out: leftOut.length, first_left_out: leftOut.slice(0, 5) },
        `the config's globs reach more than ${maxFolders} folders: only the shallowest are watched; a file added to the others needs a SIGHUP (systemctl reload opsbook) to be read. Files the config read are all watched`,
      );
    }
    const wanted = new Set([...[...read].map((f) => `file:${f}`), ...watched.map((d) => `folder:${d}`)]);
    for (const key of [...watches.keys()]) if (!wanted.has(key)) unwatch(key);
    for (const f of read) watch(f, 'file');
    for (const d of watched) watch(d, 'folder');
    // A file added or removed between the load and this arm: no event is left to tell of it.
    if ((await globsChanged(latest)).length > 0) schedule('reload');
  };

  work = arm().catch((err: unknown) => daemon.logger.error({ err }, 'config watch failed; SIGHUP still reloads'));
  return () => {
    closed = true;
    clearTimeout(timer);
    for (const key of [...watches.keys()]) unwatch(key);
  };
}

/**
 * How many folders the watch takes at most. Each is an inotify watch, and those are shared by every
 * process of the user: 8192 by default before Linux 5.11 (editors, IDEs and other daemons take
 * theirs), each pinning about 1 KB of kernel memory. A `**` glob over a big tree would take them all,
 * and a tree of more than a thousand folders of rules and runbooks is a monorepo checkout, where a
 * deploy's SIGHUP is the sure way anyway.
 */
export const MAX_WATCHED_FOLDERS = 1000;

/**
 * The folders to watch, at most `max`: `always` (the config's own folder, those holding a link on the
 * way to a file read) whatever the cap, then the others, the shallowest first (a glob's base before
 * what lies under it), by name within a depth.
 */
export function capFolders(folders: Iterable<string>, always: readonly string[], max: number): { watched: string[]; leftOut: string[] } {
  const first = [...new Set(always)];
  const depth = (d: string) => d.split(path.sep).length;
  const others = [...new Set(folders)].filter((d) => !first.includes(d)).sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
  const room = Math.max(0, max - first.length);
  return { watched: [...first, ...others.slice(0, room)], leftOut: others.slice(room) };
}

/** The folders holding a symlink on the way to one of `files` (a linked folder above it, or the file itself a link). */
function linkFolders(files: Iterable<string>): string[] {
  const found = new Set<string>();
  const seen = new Set<string>();
  for (const file of files) {
    for (let p = file; p !== path.dirname(p) && !seen.has(p); p = path.dirname(p)) {
      seen.add(p);
      try {
        if (fs.lstatSync(p).isSymbolicLink()) found.add(path.dirname(p));
      } catch {
        // gone: its folder's event and the reload say so
      }
    }
  }
  return [...found];
}

/**
 * The files that resolve elsewhere than they did (a symlink on their path swapped). A Kubernetes
 * ConfigMap volume is updated so: its files are links through `..data`, renamed onto a new folder. The
 * old folder's removal ends the watches on the old files too, but a link swapped with the old target
 * kept (`current -> releases/N`) changes nothing else: only its folder's event tells of it.
 */
function relinked(resolved: ReadonlyMap<string, string>): string[] {
  return [...resolved].filter(([file, was]) => realPath(file) !== was).map(([file]) => file);
}

function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return ''; // gone: its folder's event and the reload say so
  }
}

/** The files the `rule_files:` and `runbooks:` entries of `sources` match now and did not at its load, or the reverse (absolute). */
async function globsChanged(sources: ConfigSources): Promise<string[]> {
  const differ: string[] = [];
  for (const g of sources.globs) {
    const now = new Set<string>();
    for (const p of g.patterns) {
      let files: string[];
      try {
        files = await expand(g, p);
      } catch {
        // An entry that cannot be matched now (its ** grew past the walk's bound): the reload says why.
        differ.push(path.resolve(g.baseDir, p));
        continue;
      }
      for (const f of files) now.add(path.resolve(g.baseDir, f));
    }
    const then = new Set(g.matched.map((f) => path.resolve(g.baseDir, f)));
    for (const f of now) if (!then.has(f)) differ.push(f);
    for (const f of then) if (!now.has(f)) differ.push(f);
  }
  return differ;
}

/** The files one entry matches, found as the config load finds them. */
function expand(g: SourceGlobs, pattern: string): string[] | Promise<string[]> {
  return g.kind === 'rule_files' ? ruleFilePaths(pattern, g.baseDir) : runbookFiles(pattern, g.baseDir);
}

/**
 * The folders where a file matching `pattern` (relative to `baseDir`) can appear: the folder of a
 * plain path, else the folder before its first wildcard and every folder under it that the pattern's
 * folder part matches (for `rules/<wildcard>/alerts.yml`, `rules` and each folder in it). A folder
 * that does not exist yet is stood for by its nearest existing parent, whose watch sees it created.
 */
export function globFolders(pattern: string, baseDir: string): string[] {
  const segments = pattern.split('/');
  const first = segments.findIndex((s) => WILDCARD_SEGMENT.test(s));
  const folders = [existingParent(globBase(pattern, baseDir))];
  if (first < 0) return folders;
  for (let last = first; last < segments.length - 1; last++) {
    const dirs = globSync(segments.slice(0, last + 1).join('/'), { cwd: baseDir, absolute: true, onlyDirectories: true, expandDirectories: false });
    for (const d of dirs) folders.push(path.resolve(d));
  }
  return [...new Set(folders)];
}

function existingParent(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) if (isDirectory(d) || d === path.dirname(d)) return d;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
