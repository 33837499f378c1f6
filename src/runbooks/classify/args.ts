/** Small helpers for reading a program's argument list. */

/** Arguments that are not options, skipping the values of options in `valueOptions`. */
const NONE: ReadonlySet<string> = new Set();

export function positionals(args: string[], valueOptions: ReadonlySet<string> = NONE): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') {
      out.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a.length > 1) {
      if (valueOptions.has(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** True when any of the flags is present, as a separate word or inside a bundle (`-rf` has `-r` and `-f`). */
export function hasFlag(args: string[], ...flags: string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    const bundle = isBundle(a);
    for (const f of flags) {
      if (a === f || withValue(a, f)) return true;
      if (bundle && f.length === 2 && f[0] === '-' && a.includes(f[1]!)) return true;
    }
  }
  return false;
}

/** `-` and letters only (`-rf`): short flags given together. */
function isBundle(a: string): boolean {
  if (a.length < 2 || a.charCodeAt(0) !== 45) return false;
  for (let i = 1; i < a.length; i++) {
    const c = a.charCodeAt(i) | 32;
    if (c < 97 || c > 122) return false;
  }
  return true;
}

/** `a` is option `name` with its value after `=` (`--request=POST`). */
function withValue(a: string, name: string): boolean {
  return a.length > name.length && a.charCodeAt(name.length) === 61 && a.startsWith(name);
}

/** The value of an option (`-X POST`, `--request=POST`), or undefined. */
export function optionValue(args: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (withValue(a, n)) return a.slice(n.length + 1);
      if (n.length === 2 && a.startsWith(n) && !n.startsWith('--') && a.length > 2) return a.slice(2);
    }
  }
  return undefined;
}

/** The words after the first `n` positionals (options and their values skipped): a command's own arguments kept whole. */
export function afterPositionals(args: string[], n: number, valueOptions: ReadonlySet<string>): string[] {
  let seen = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args.slice(i + 1);
    if (seen === n) return args.slice(i);
    if (a.startsWith('-') && a.length > 1) {
      if (valueOptions.has(a)) i++;
      continue;
    }
    seen++;
  }
  return [];
}
