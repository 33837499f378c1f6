import { unquotedExpansions } from '../runbooks/classify/shell-parse.js';
import { paramKey } from './params.js';

/**
 * Shell syntax for executors. Words come from the runbook reader's mvdan-sh tree reader, the same
 * parser that classified the command, so what runs is what was classified.
 */
export { parseShell, ShellSyntaxError, type ShStatement, type ShCall, type ShWord } from '../runbooks/classify/shell-parse.js';

/** The environment variable a placeholder's value travels in: `<pod-name>` → `OPSBOOK_P_pod_name`. */
export function envNameOf(placeholder: string): string {
  return `OPSBOOK_P_${paramKey(placeholder)}`;
}

const ANGLE = /^<([A-Za-z][\w.-]*)>/;
const BRACE = /^\{([A-Za-z_][\w-]*)\}/;

/**
 * Rewrites `<name>` and `{name}` placeholders of a shell script into references to environment
 * variables, quoted for where they stand: `"${OPSBOOK_P_name}"` outside quotes, `${…}` inside double
 * quotes, `'"${…}"'` inside single quotes. Only the variable's name enters the script; its value
 * reaches the program as data through the environment, so no value can change the script.
 * `$NAME` placeholders are already references and are left as written.
 */
export function rewritePlaceholders(script: string, placeholders: readonly string[]): string {
  const names = new Set(placeholders.filter((p) => p.startsWith('<') || p.startsWith('{')));
  if (names.size === 0) return script;
  let out = '';
  let state: 'none' | 'single' | 'double' = 'none';
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    const rest = script.slice(i);
    const m = c === '<' ? ANGLE.exec(rest) : c === '{' && script[i - 1] !== '$' ? BRACE.exec(rest) : null;
    if (m && names.has(m[0])) {
      const ref = `\${${envNameOf(m[0])}}`;
      out += state === 'none' ? `"${ref}"` : state === 'double' ? ref : `'"${ref}"'`;
      i += m[0].length - 1;
      continue;
    }
    out += c;
    if (state === 'single') {
      if (c === "'") state = 'none';
    } else if (c === '\\' && i + 1 < script.length) {
      out += script[++i];
    } else if (state === 'double') {
      if (c === '"') state = 'none';
    } else if (c === "'") state = 'single';
    else if (c === '"') state = 'double';
  }
  return out;
}

/** Angle placeholders become a plain word of the same length for parsing, so `<pod-name>` is not a redirection. */
export function protectAngles(text: string): string {
  return text.replace(/<([A-Za-z][\w.-]*)>/g, '@$1@');
}

/**
 * Double-quotes every unquoted `$NAME` / `${NAME…}` expansion of a bound parameter, found in the
 * mvdan-sh tree (heredocs, `[[ ]]` and arithmetic are left alone: bash does not split there). A
 * value then reaches its program as exactly one argument: no word splitting, no globbing.
 */
export function quoteExpansions(script: string, placeholders: readonly string[]): string {
  const names = new Set(placeholders.filter((p) => p.startsWith('$')).map((p) => p.replace(/^\$\{?|\}$/g, '')));
  if (names.size === 0) return script;
  const bytes = Buffer.from(protectAngles(script), 'utf8');
  const original = Buffer.from(script, 'utf8');
  const parts: Buffer[] = [];
  let at = 0;
  for (const e of unquotedExpansions(bytes.toString('utf8'))) {
    if (!names.has(e.name) || e.start < at) continue;
    parts.push(original.subarray(at, e.start), Buffer.from('"'), original.subarray(e.start, e.end), Buffer.from('"'));
    at = e.end;
  }
  parts.push(original.subarray(at));
  return Buffer.concat(parts).toString('utf8');
}

/** The script a shell step runs: parameters only as quoted references to environment variables. */
export function scriptOf(text: string, placeholders: readonly string[]): string {
  return rewritePlaceholders(quoteExpansions(text, placeholders), placeholders);
}

/** Quotes a word for bash so it is read back exactly. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
