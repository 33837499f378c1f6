/** A function or method called in a Python or JavaScript snippet. */
export interface CallSite {
  name: string;
  /** Called on something (`.delete(`), not as a bare name (`print(`). */
  method: boolean;
}

/**
 * A call as a pattern: a name (after a `.` for a method), blanks, then `(`. `readCallSites` gives
 * what `matchAll` of it gives, without trying the pattern at every position of the snippet (a
 * name that is not called is passed over whole); `call-sites.property.test.ts` holds the two together.
 */
export const CALL_SITE = /(\.)?\s*([A-Za-z_$][\w$]*)\s*\(/g;

const SPACE = /\s/;

/** `\s`: ASCII blanks and line ends, and the Unicode spaces. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && SPACE.test(String.fromCharCode(c)));
}

/** `[A-Za-z_$]`: what a name starts with. */
function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}

/** `[\w$]`: what a name is made of. */
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/**
 * The matches of `CALL_SITE` in `code`, in order. A run of name characters is one name from its
 * first letter (`12ab(` calls `ab`), called when blanks and a `(` follow the run; a method when
 * the run starts with that letter and a `.` stands before it, with blanks only between, after the
 * last call read (where the pattern's own match would start).
 */
export function readCallSites(code: string): CallSite[] {
  const out: CallSite[] = [];
  const n = code.length;
  // Where the last match ended: the pattern looks for the next one from there.
  let from = 0;
  let i = 0;
  while (i < n) {
    if (!isNameChar(code.charCodeAt(i))) {
      i++;
      continue;
    }
    const runStart = i;
    let start = -1;
    for (; i < n; i++) {
      const c = code.charCodeAt(i);
      if (!isNameChar(c)) break;
      if (start < 0 && isNameStart(c)) start = i;
    }
    if (start < 0) continue;
    let k = i;
    while (k < n && isSpace(code.charCodeAt(k))) k++;
    if (code.charCodeAt(k) !== 40) continue;
    let method = false;
    if (start === runStart) {
      let d = runStart - 1;
      while (d >= from && isSpace(code.charCodeAt(d))) d--;
      method = d >= from && code.charCodeAt(d) === 46;
    }
    out.push({ name: code.slice(start, i), method });
    i = k + 1;
    from = i;
  }
  return out;
}
