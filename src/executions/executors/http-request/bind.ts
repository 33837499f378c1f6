import { paramKey, type ParamValues } from '../../params.js';

/**
 * Values into an HTTP request without changing its shape: a path segment stays one segment (and
 * never `.` or `..`, which a URL resolves away), a query value one value, a JSON string one string,
 * a form field one field.
 */

const PLACEHOLDER = /\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)|<([A-Za-z][\w.-]*)>|(?<!\$)\{([A-Za-z_][\w-]*)\}/g;

type Found = { whole: string; name: string; value: string } | { whole: string; name: string; value: undefined };

function each(text: string, params: ParamValues, replace: (found: Found) => string): string {
  return text.replace(PLACEHOLDER, (whole, a, b, c, d) => {
    const name = (a ?? b ?? c ?? d) as string;
    const v = params.get(paramKey(name));
    return replace(v === undefined ? { whole, name, value: undefined } : { whole, name, value: v.value });
  });
}

const DOT_SEGMENT = /^(\.|%2e){1,2}$/i;

/** The URL with values bound: percent-encoded, a path segment never empty, `.` or `..`. */
export function bindUrl(template: string, params: ParamValues): { url: string } | { why: string } {
  const cut = template.search(/[?#]/);
  const path = cut < 0 ? template : template.slice(0, cut);
  const rest = cut < 0 ? '' : template.slice(cut);
  let why: string | undefined;
  const segments = path.split('/').map((segment) => {
    let bound = false;
    const out = each(segment, params, (f) => {
      if (f.value === undefined) return f.whole;
      bound = true;
      return encodeURIComponent(f.value);
    });
    if (bound && (out === '' || DOT_SEGMENT.test(out))) why ??= `parameter ${segment} makes the URL path segment ${JSON.stringify(out)}, which would change the path: a path segment value cannot be empty, "." or ".."`;
    return out;
  });
  if (why) return { why };
  return { url: segments.join('/') + each(rest, params, (f) => (f.value === undefined ? f.whole : encodeURIComponent(f.value))) };
}

/** A body is JSON when it says so or looks like it. */
export function isJsonBody(body: string, headers: readonly [string, string][]): boolean {
  const type = headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (type !== undefined) return /json/i.test(type);
  return /^\s*[{[]/.test(body);
}

function isFormBody(headers: readonly [string, string][]): boolean {
  const type = headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  return type === undefined || /application\/x-www-form-urlencoded/i.test(type);
}

const JSON_SCALAR = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?|true|false|null)$/;

/**
 * A JSON body with values bound: inside a string a value is JSON-escaped; standing bare it must be
 * a number, `true`, `false` or `null`. The result parses, with the keys the template has.
 */
export function bindJsonBody(template: string, params: ParamValues): { body: string } | { why: string } {
  let out = '';
  let inString = false;
  let why: string | undefined;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    const m = c === '$' || c === '<' || c === '{' ? matchAt(template, i) : undefined;
    if (m) {
      const v = params.get(paramKey(m.name));
      if (v === undefined) out += m.whole;
      else if (inString) out += JSON.stringify(v.value).slice(1, -1);
      else if (JSON_SCALAR.test(v.value)) out += v.value;
      else why ??= `parameter ${m.whole} stands outside a JSON string, so its value must be a number, true, false or null`;
      i += m.whole.length - 1;
      continue;
    }
    out += c;
    if (inString && c === '\\') out += template[++i] ?? '';
    else if (c === '"') inString = !inString;
  }
  return why ? { why } : { body: out };
}

function matchAt(text: string, i: number): { whole: string; name: string } | undefined {
  const m = /^(?:\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)|<([A-Za-z][\w.-]*)>|\{([A-Za-z_][\w-]*)\})/.exec(text.slice(i));
  if (!m || (m[4] !== undefined && text[i - 1] === '$')) return undefined;
  return { whole: m[0], name: (m[1] ?? m[2] ?? m[3] ?? m[4])! };
}

/** A body with values bound: JSON-encoded into JSON, form-encoded into a form, as written otherwise. */
export function bindBody(template: string, headers: readonly [string, string][], params: ParamValues): { body: string } | { why: string } {
  if (isJsonBody(template, headers)) return bindJsonBody(template, params);
  if (isFormBody(headers)) return { body: each(template, params, (f) => (f.value === undefined ? f.whole : encodeURIComponent(f.value))) };
  return { body: each(template, params, (f) => f.value ?? f.whole) };
}
