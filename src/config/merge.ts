import type { ConfigIssue } from './issues.js';
import { formatPath, parsePath, type PathSegment } from './paths.js';
import { ID_FIELDS, KEYED_SECTIONS } from './schema/index.js';
import type { ParsedFile } from './source.js';
import { own } from '../lib/own.js';

/** Sets a key read from a file as the object's own, `__proto__` included (an assignment would set the prototype). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Where a config path was written. */
export interface SourceLocation {
  file: string;
  line: number;
}

export interface MergedConfig {
  data: Record<string, unknown>;
  /** Locates a config path, falling back to its nearest located ancestor. */
  locate: (path: string) => SourceLocation | undefined;
  issues: ConfigIssue[];
  /** Config paths (merged) whose value used a missing or malformed `${…}`. */
  envMissing: string[];
}

/**
 * Merges files in order: list sections concatenate, keyed sections (procedures) merge key by key,
 * any other section may be set in one file only. Paths are rewritten to the merged positions so a
 * problem in the second file's first check reads `checks[4]` when the first file had four.
 */
export function mergeFiles(files: readonly ParsedFile[]): MergedConfig {
  const data: Record<string, unknown> = {};
  const lines = new Map<string, SourceLocation>();
  const issues: ConfigIssue[] = [];
  const envMissing: string[] = [];
  const origin = new Map<string, SourceLocation>();
  const locate = (path: string): SourceLocation | undefined => {
    const segs = parsePath(path);
    for (let n = segs.length; n >= 0; n--) {
      const hit = lines.get(formatPath(segs.slice(0, n)));
      if (hit) return hit;
    }
    return undefined;
  };
  const where = (loc: SourceLocation | undefined): string => (loc ? `${loc.file}:${loc.line}` : 'another file');

  for (const parsed of files) {
    const offsets = new Map<string, number>();
    const top = isPlainObject(parsed.data) ? parsed.data : {};
    const skipped = new Set<string>();
    for (const [section, value] of Object.entries(top)) {
      const here = lineIn(parsed, [section]);
      const existing = data[section];
      if (existing === undefined) {
        data[section] = Array.isArray(value) ? [...(value as unknown[])] : value;
        origin.set(section, here);
      } else if (Array.isArray(existing) && Array.isArray(value)) {
        offsets.set(section, existing.length);
        existing.push(...(value as unknown[]));
      } else if (section === 'runbooks' && (isPlainObject(existing) || isPlainObject(value))) {
        data[section] = mergeRunbooks(existing, value);
      } else if ((KEYED_SECTIONS as readonly string[]).includes(section) && isPlainObject(existing) && isPlainObject(value)) {
        for (const [key, entry] of Object.entries(value)) {
          if (Object.hasOwn(existing, key)) {
            const path = formatPath([section, key]);
            issues.push({
              code: 'OPSBOOK_E_CONFIG_DUPLICATE_ID',
              message: `${section} "${key}" is defined twice: ${where(locate(path))} and ${parsed.file}:${lineIn(parsed, [section, key]).line}`,
              path,
              ...lineIn(parsed, [section, key]),
            });
            skipped.add(path);
          } else setOwn(existing, key, entry);
        }
      } else {
        issues.push({
          code: 'OPSBOOK_E_CONFIG_DUPLICATE_SECTION',
          message: `${section} is set in two files: ${where(origin.get(section))} and ${here.file}:${here.line} (set it in one)`,
          path: section,
          ...here,
        });
        skipped.add(section);
      }
    }

    const rewrite = (segs: PathSegment[]): PathSegment[] => {
      const offset = offsets.get(String(segs[0]));
      return offset !== undefined && typeof segs[1] === 'number' ? [segs[0]!, segs[1] + offset, ...segs.slice(2)] : segs;
    };
    const skippedPaths = [...skipped];
    for (const [segs, line] of parsed.lines) {
      const path = formatPath(rewrite(segs));
      if (skippedPaths.length > 0 && skippedPaths.some((s) => path === s || isBeneath(path, s))) continue;
      if (!lines.has(path)) lines.set(path, { file: parsed.file, line });
    }
    for (const { segments, ...issue } of parsed.issues) issues.push({ ...issue, path: formatPath(rewrite(segments)) });
    for (const segs of parsed.envMissing) envMissing.push(formatPath(rewrite(segs)));
  }

  issues.push(...duplicateIds(data, locate));
  return { data, locate, issues, envMissing };
}

/** The same id twice in an id'd list (within one file or across files), naming both places. */
function duplicateIds(data: Record<string, unknown>, locate: (path: string) => SourceLocation | undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [section, field] of Object.entries(ID_FIELDS)) {
    const list = data[section];
    if (!Array.isArray(list)) continue;
    const first = new Map<string, number>();
    list.forEach((entry, i) => {
      const id = isPlainObject(entry) ? entry[field] : undefined;
      if (typeof id !== 'string') return;
      const seen = first.get(id);
      if (seen === undefined) {
        first.set(id, i);
        return;
      }
      const path = formatPath([section, i, field]);
      const before = locate(formatPath([section, seen, field]));
      const here = locate(path);
      issues.push({
        code: 'OPSBOOK_E_CONFIG_DUPLICATE_ID',
        message: `${section} ${field} "${id}" is defined twice: ${before ? `${before.file}:${before.line}` : formatPath([section, seen])} and ${here ? `${here.file}:${here.line}` : path}`,
        path,
        ...(here ?? {}),
      });
    });
  }
  return issues;
}

function lineIn(parsed: ParsedFile, segs: PathSegment[]): SourceLocation {
  // Top-level keys and their children come first in document order; stop at the first match.
  const hit = parsed.lines.find(([s]) => s.length === segs.length && s.every((x, i) => x === segs[i]));
  return { file: parsed.file, line: hit?.[1] ?? 1 };
}

export function isBeneath(path: string, parent: string): boolean {
  return path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `runbooks:` in two files, either as a list of files or as an object: files and URL prefixes
 * concatenate, phase words add up per phase.
 */
function mergeRunbooks(a: unknown, b: unknown): Record<string, unknown> {
  const norm = (v: unknown): Record<string, unknown> => (Array.isArray(v) ? { files: v } : isPlainObject(v) ? v : {});
  const x = norm(a);
  const y = norm(b);
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const out: Record<string, unknown> = { ...x, ...y, files: [...list(x.files), ...list(y.files)] };
  if (x.url_prefixes !== undefined || y.url_prefixes !== undefined) out.url_prefixes = [...list(x.url_prefixes), ...list(y.url_prefixes)];
  if (isPlainObject(x.phases) || isPlainObject(y.phases)) {
    const phases: Record<string, unknown[]> = {};
    for (const p of [x.phases, y.phases]) if (isPlainObject(p)) for (const [k, v] of Object.entries(p)) setOwn(phases, k, [...(own(phases, k) ?? []), ...list(v)]);
    out.phases = phases;
  }
  return out;
}
