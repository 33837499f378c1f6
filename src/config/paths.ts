/** Config paths as people read them: `checks[3].interval`, `procedures["db.md#restore"].cron`. */

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      if (PLAIN_KEY.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** The inverse of `formatPath`. */
export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < path.length && (m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

/**
 * Whether `pattern` (dot-separated; `*` is any one segment, `**` any number) matches the start of
 * `segments`: a field matched by a pattern covers everything beneath it.
 */
export function matchesPrefix(pattern: string, segments: readonly PathSegment[]): boolean {
  return matchFrom(pattern.split('.'), 0, segments, 0);
}

function matchFrom(pat: string[], pi: number, segs: readonly PathSegment[], si: number): boolean {
  if (pi === pat.length) return true;
  const p = pat[pi]!;
  if (p === '**') {
    for (let k = si; k <= segs.length; k++) if (matchFrom(pat, pi + 1, segs, k)) return true;
    return false;
  }
  if (si === segs.length) return false;
  if (p !== '*' && p !== String(segs[si])) return false;
  return matchFrom(pat, pi + 1, segs, si + 1);
}
