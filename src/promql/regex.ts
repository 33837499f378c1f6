/**
 * Prometheus regexes are RE2, anchored at both ends, with `.` matching newlines. JavaScript's RegExp reads the same
 * syntax except RE2's inline flags: a leading `(?i)` becomes the `i` flag, and a scoped `(?i:…)` or a `(?i)` inside a
 * group has its letters made case-insensitive one by one.
 */
export function toJsRegExp(source: string): RegExp {
  let flags = 's';
  let body = source;
  if (body.startsWith('(?i)')) {
    flags += 'i';
    body = body.slice(4);
  }
  return new RegExp(`^(?:${rewriteScopedFlags(body)})$`, flags);
}

function rewriteScopedFlags(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    if (src.startsWith('(?i:', i)) {
      const end = closingParen(src, i);
      out += `(?:${caseless(src.slice(i + 4, end))})`;
      i = end + 1;
    } else if (src.startsWith('(?i)', i)) {
      // `(?i)` inside a group: to the end of that group.
      const end = enclosingEnd(src, i);
      out += caseless(src.slice(i + 4, end));
      i = end;
    } else if (src[i] === '\\') {
      out += src.slice(i, i + 2);
      i += 2;
    } else {
      out += src[i];
      i++;
    }
  }
  return out;
}

function closingParen(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === '(') depth++;
    else if (src[i] === ')' && --depth === 0) return i;
  }
  return src.length;
}

function enclosingEnd(src: string, from: number): number {
  let depth = 0;
  for (let i = from; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === '(') depth++;
    else if (src[i] === ')') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return src.length;
}

/** Letters outside classes become `[xX]`; inside a class both cases are added. */
function caseless(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      out += src.slice(i, i + 2);
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    if (/[a-zA-Z]/.test(c)) {
      const pair = c.toLowerCase() + c.toUpperCase();
      out += inClass ? pair : `[${pair}]`;
    } else out += c;
  }
  return out;
}
