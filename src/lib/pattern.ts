import { RE2JS } from 're2js';

/**
 * Regular expressions from config, API bodies and conditions run on RE2's linear-time engine: a
 * pattern such as `(a+)+$` that a backtracking engine takes 2^n steps over cannot freeze the event
 * loop. RE2 has no backreferences or lookaround; such a pattern is refused when it is written.
 */
export interface Pattern {
  /** True when the pattern matches the whole of `text` (anchored) or somewhere in it (unanchored). */
  test(text: string): boolean;
}

const cache = new Map<string, Pattern>();

/** Compiles `pattern` for linear-time matching; throws an Error saying what is wrong when RE2 cannot run it. */
export function compilePattern(pattern: string, options: { anchored?: boolean; dotAll?: boolean } = {}): Pattern {
  const key = `${options.anchored ? 'A' : 'U'}${options.dotAll ? 'S' : ''}\u0000${pattern}`;
  let p = cache.get(key);
  if (!p) {
    let re: RE2JS;
    try {
      re = RE2JS.compile(options.anchored ? `^(?:${pattern})$` : pattern, options.dotAll ? RE2JS.DOTALL : 0);
    } catch (e) {
      throw new Error((e as Error).message.replace(/^error parsing regexp: /, ''));
    }
    p = { test: (text: string) => re.matcher(text).find() };
    // Bounded: patterns come from config and API bodies, not from every sample.
    if (cache.size > 1000) cache.clear();
    cache.set(key, p);
  }
  return p;
}

/** Why RE2 cannot run `pattern`, or undefined when it can. */
export function patternProblem(pattern: string): string | undefined {
  try {
    compilePattern(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
